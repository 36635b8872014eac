// CPU sampling on Bun: JavaScriptCore's sampling profiler (`bun:jsc`), which also works inside a compiled binary.
// If `run` returns a promise, it samples the whole JS thread until that settles. Only one may run at a time.
import type { SampleCpu } from "../types";

/** What JavaScriptCore reports for an unknown line or column. */
const UNKNOWN = 4294967295;

export const sampleCpu: SampleCpu = async (run, intervalMicros) => {
  const { profile } = await import("bun:jsc");
  const result = await profile(run, intervalMicros);
  return result.stackTraces.traces.map((trace) => ({
    timestamp: trace.timestamp,
    frames: trace.frames.map((frame) => ({
      name: frame.name,
      file: frame.sourceURL ?? "",
      line: frame.line === UNKNOWN ? 0 : frame.line,
      column: frame.column === UNKNOWN ? 0 : frame.column,
    })),
  }));
};
