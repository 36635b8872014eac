import { describe, expect, test } from "bun:test";
import { HttpError } from "../http/errors";
import { DEFAULT_SECONDS, MAX_SECONDS, profileSeconds } from "./cpu-profiler";

describe("profile duration", () => {
  test("defaults, accepts 1..MAX, and caps larger requests at MAX", () => {
    expect(profileSeconds(undefined)).toBe(DEFAULT_SECONDS);
    expect(profileSeconds("1")).toBe(1);
    expect(profileSeconds(String(MAX_SECONDS))).toBe(MAX_SECONDS);
    expect(profileSeconds("3600")).toBe(MAX_SECONDS);
  });

  test.each(["0", "-5", "x", "2.5", " 3"])("%p is a 400", (raw) => {
    expect(() => profileSeconds(raw)).toThrow(HttpError);
  });
});
