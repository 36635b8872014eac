import { describe, expect, test } from "bun:test";
import { isAdminPath } from "./admin-split";

describe("isAdminPath", () => {
  test.each([
    ["http://localhost/metrics", true],
    ["http://localhost/metrics?name=x", true],
    ["http://localhost/debug/pprof/profile?seconds=5", true],
    ["http://localhost/debug/pprof", true],
    ["http://localhost/fib/10", false],
    ["http://localhost/items?q=/metrics", false],
    ["http://localhost/metricsx", false],
    ["http://localhost/health", false],
  ])("%s → %p", (url, expected) => {
    expect(isAdminPath(url)).toBe(expected);
  });
});
