// CPU sampling on Bun: JavaScriptCore's sampling profiler (`bun:jsc`), which also works inside a compiled binary.
// If `run` returns a promise, it samples the whole JS thread until that settles. Only one may run at a time.
import type { SampleCpu, SampledStack } from "../types";

/** What JavaScriptCore reports for an unknown line or column. */
const UNKNOWN = 4294967295;

/**
 * While JavaScriptCore's sampling profiler runs, the garbage it could otherwise collect stays in the heap until the
 * profiler stops: under load an 8 s profile grew a traced service by well over 100 MiB, and a heap that grows costs
 * CPU too (more collector and allocator work). So a profile is taken in short slices, each one a profiler run of its
 * own; their samples are joined (timestamps are on one monotonic clock), and between slices the heap is reclaimed as
 * usual. The shorter a slice, the less the collector carries: under load, a traced first not profiled needed 0.76
 * of the CPU per request of one profiled in one-second slices, 0.88 of one profiled in these (`npm run
 * bench:side-by-side`, docs/performance.md).
 */
export const SLICE_MS = 100;

export const sampleCpu: SampleCpu = async (run, intervalMicros) => {
  const { profile } = await import("bun:jsc");
  let running: Promise<void> | undefined;
  let settled = false;
  /** One slice: starts `run` in the first (so that what it does first is sampled), then waits for it or the slice. */
  const slice = () => {
    running ??= run().finally(() => {
      settled = true;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sliceEnd = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SLICE_MS);
    });
    return Promise.race([running, sliceEnd]).finally(() => clearTimeout(timer));
  };
  const stacks: SampledStack[] = [];
  do {
    const result = await profile(slice, intervalMicros);
    for (const trace of result.stackTraces.traces) {
      stacks.push({
        timestamp: trace.timestamp,
        frames: trace.frames.map((frame) => ({
          name: frame.name,
          file: frame.sourceURL ?? "",
          line: frame.line === UNKNOWN ? 0 : frame.line,
          column: frame.column === UNKNOWN ? 0 : frame.column,
        })),
      });
    }
  } while (!settled);
  await running; // rethrows what `run` threw
  return stacks;
};
