import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import type { StackFrame } from "../runtime/runtime";
import { decodeProfile } from "./decode";
import { encodeCpuProfile } from "./pprof";

const frame = (name: string, line = 1): StackFrame => ({ name, file: "first/fib/fib.ts", line, column: 3 });
const decode = (bytes: Uint8Array) => decodeProfile(gzipSync(bytes));

describe("encodeCpuProfile", () => {
  test("samples/count and cpu/nanoseconds, the period, time and duration, stacks caller first", () => {
    const profile = decode(
      encodeCpuProfile({
        samples: [
          { frames: [frame("fibo", 9), frame("_fibo", 5), frame("_one", 2)] },
          { frames: [frame("fibo", 9), frame("_fibo", 5), frame("_one", 2)], labels: { trace_id: "abc" } },
        ],
        intervalNanos: 10_000_000,
        startNanos: 1_700_000_000_000_000_000,
        durationNanos: 5_000_000_000,
        comments: ["service.instance.id=x"],
      }),
    );
    expect(profile.sampleTypes).toEqual(["samples/count", "cpu/nanoseconds"]);
    expect(Number(profile.profile.period)).toBe(10_000_000);
    expect(Number(profile.profile.durationNanos)).toBe(5_000_000_000);
    expect(BigInt(profile.profile.timeNanos as number | bigint)).toBe(1_700_000_000_000_000_000n);
    expect(profile.stacks).toEqual([
      ["_one", "_fibo", "fibo"],
      ["_one", "_fibo", "fibo"],
    ]);
    expect(profile.labels).toEqual([{}, { trace_id: "abc" }]);
    expect(profile.comments).toEqual(["service.instance.id=x"]);
    expect(profile.profile.sample.map((s) => s.value.map(Number))).toEqual([
      [1, 10_000_000],
      [1, 10_000_000],
    ]);
  });

  test("functions and locations are deduplicated with sequential ids from 1", () => {
    const profile = decode(
      encodeCpuProfile({
        samples: [{ frames: [frame("a", 1), frame("b")] }, { frames: [frame("a", 2), frame("b")] }],
        intervalNanos: 1,
        startNanos: 0,
        durationNanos: 0,
      }),
    );
    expect(profile.profile.function.map((f) => Number(f.id))).toEqual([1, 2]);
    expect(profile.profile.location.map((l) => Number(l.id))).toEqual([1, 2, 3]);
  });

  test("empty stacks are dropped, an anonymous frame gets a name, no samples is still a valid profile", () => {
    const profile = decode(
      encodeCpuProfile({
        samples: [{ frames: [] }, { frames: [frame("")] }],
        intervalNanos: 1,
        startNanos: 0,
        durationNanos: 0,
      }),
    );
    expect(profile.stacks).toEqual([["(anonymous)"]]);
    const empty = decode(encodeCpuProfile({ samples: [], intervalNanos: 1, startNanos: 0, durationNanos: 0 }));
    expect(empty.stacks).toEqual([]);
    expect(empty.sampleTypes).toEqual(["samples/count", "cpu/nanoseconds"]);
  });
});
