import { gzipSync } from "node:zlib";
import { HttpError } from "../errors";
import { type SampledStack, sampleCpu } from "../runtime";
import { encodeCpuProfile, type StackSample } from "./pprof";
import type { SpanTimeline } from "./span-timeline";

/** JavaScriptCore's default sampling interval: 1 ms (cost measured by bench/profiling.ts, see README). */
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

const CLOCK_MARK_MS = 3;

/**
 * Busy for a few milliseconds under a name the sampler records: the samples that land in it tell how the
 * sampler's monotonic clock lines up with performance.now(), which span timestamps use.
 */
function twinbinClockMark(): number {
  const started = performance.now();
  while (performance.now() - started < CLOCK_MARK_MS) {
    // spin: the point is to be on the stack for a few samples
  }
  return started;
}

/** Offset (ms) to add to a sample timestamp (s → ms) to get performance.now() time, from the clock-mark samples. */
function clockOffset(stacks: SampledStack[], markStarted: number): number | undefined {
  const marked = stacks.filter((s) => s.frames.some((f) => f.name === "twinbinClockMark"));
  if (marked.length === 0) return undefined;
  const first = marked[0] as SampledStack;
  const last = marked[marked.length - 1] as SampledStack;
  // The mark spans [markStarted, markStarted + CLOCK_MARK_MS]; align the middles.
  return markStarted + CLOCK_MARK_MS / 2 - ((first.timestamp + last.timestamp) / 2) * 1000;
}

/**
 * One CPU profile at a time (the sampler is process-wide); a second request while one runs is a 409. With a
 * span timeline, samples get trace_id/span_id pprof labels where the attribution is unambiguous.
 */
export function createCpuProfiler(timeline?: SpanTimeline, intervalMicros = SAMPLE_INTERVAL_MICROS) {
  let running = false;
  return {
    /** Samples for `seconds` and returns a gzipped pprof profile. */
    async capture(seconds: number): Promise<Uint8Array<ArrayBuffer>> {
      if (running) throw new HttpError(409, "profile_in_progress", "a CPU profile is already being taken");
      running = true;
      timeline?.start();
      try {
        const startNanos = Date.now() * 1e6;
        const started = performance.now();
        let markStarted = 0;
        const stacks = await sampleCpu(async () => {
          markStarted = twinbinClockMark();
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        }, intervalMicros);
        const spanAt = timeline?.stop();
        const offset = clockOffset(stacks, markStarted);
        const samples: StackSample[] = stacks.map((stack) => {
          const span = spanAt && offset !== undefined ? spanAt(stack.timestamp * 1000 + offset) : undefined;
          return span ? { frames: stack.frames, labels: { trace_id: span.traceId, span_id: span.spanId } } : stack;
        });
        const profile = encodeCpuProfile({
          samples,
          intervalNanos: intervalMicros * 1000,
          startNanos,
          durationNanos: Math.round((performance.now() - started) * 1e6),
        });
        return new Uint8Array(gzipSync(profile));
      } finally {
        timeline?.stop();
        running = false;
      }
    },
  };
}

export type CpuProfiler = ReturnType<typeof createCpuProfiler>;
