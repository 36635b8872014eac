import { gzipSync } from "node:zlib";
import { HttpError } from "../errors";
import { sampleCpu } from "../runtime";
import { encodeCpuProfile } from "./pprof";

/** JavaScriptCore's default sampling interval: 1 ms, ~1% overhead measured (see README, bench/profiling.ts). */
export const SAMPLE_INTERVAL_MICROS = 1000;
export const DEFAULT_SECONDS = 10;
export const MAX_SECONDS = 60;

/** Parses `?seconds=` like Go's net/http/pprof: a positive integer; above MAX_SECONDS it is capped. */
export function profileSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_SECONDS;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(400, "bad_request", `seconds must be an integer from 1 to ${MAX_SECONDS}`);
  }
  return Math.min(Number(raw), MAX_SECONDS);
}

/** One CPU profile at a time (the sampler is process-wide); a second request while one runs is a 409. */
export function createCpuProfiler(intervalMicros = SAMPLE_INTERVAL_MICROS) {
  let running = false;
  return {
    /** Samples for `seconds` and returns a gzipped pprof profile. */
    async capture(seconds: number): Promise<Uint8Array<ArrayBuffer>> {
      if (running) throw new HttpError(409, "profile_in_progress", "a CPU profile is already being taken");
      running = true;
      try {
        const startNanos = Date.now() * 1e6;
        const started = performance.now();
        const stacks = await sampleCpu(seconds * 1000, intervalMicros);
        const profile = encodeCpuProfile({
          samples: stacks,
          intervalNanos: intervalMicros * 1000,
          startNanos,
          durationNanos: Math.round((performance.now() - started) * 1e6),
        });
        return new Uint8Array(gzipSync(profile));
      } finally {
        running = false;
      }
    },
  };
}

export type CpuProfiler = ReturnType<typeof createCpuProfiler>;
