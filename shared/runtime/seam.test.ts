import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { v8Stacks } from "./deno/cpu-sampler";

const ROOT = join(import.meta.dir, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the runtime seam", () => {
  test("nothing in the services' code outside shared/runtime/ calls Bun.* or Deno.*", () => {
    const offenders = ["shared", "first", "second"]
      .flatMap((dir) => sources(join(ROOT, dir)))
      .filter((file) => !relative(ROOT, file).startsWith("shared/runtime/"))
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .map((line, i) => [line.replace(/\/\/.*$/, ""), i + 1] as const)
          .filter(([code]) => /\b(Bun|Deno)\.[a-zA-Z]/.test(code))
          .map(([, n]) => `${relative(ROOT, file)}:${n}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe("v8Stacks (Deno's V8 profile → sampled stacks)", () => {
  test("walks each sample's leaf to the root, innermost first, 1-based lines, pseudo-frames dropped", () => {
    const frame = (functionName: string, lineNumber = 0) => ({
      functionName,
      url: "file:///app/first/fib/fib.ts",
      lineNumber,
      columnNumber: 4,
    });
    const stacks = v8Stacks({
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2, 5] },
        { id: 2, callFrame: frame("_one", 10), children: [3] },
        { id: 3, callFrame: frame("_two", 20), children: [4] },
        { id: 4, callFrame: frame("_fibo", 30) },
        { id: 5, callFrame: frame("(idle)") },
      ],
      startTime: 1_000_000,
      samples: [4, 5],
      timeDeltas: [10_000, 10_000],
    });
    expect(stacks).toEqual([
      {
        timestamp: 1.01,
        frames: [
          { name: "_fibo", file: "/app/first/fib/fib.ts", line: 31, column: 5 },
          { name: "_two", file: "/app/first/fib/fib.ts", line: 21, column: 5 },
          { name: "_one", file: "/app/first/fib/fib.ts", line: 11, column: 5 },
        ],
      },
      { timestamp: 1.02, frames: [] },
    ]);
  });
});
