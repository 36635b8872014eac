import { gzipSync } from "node:zlib";
import { HttpError } from "../http/errors";
import { type SampledStack, sampleCpu } from "../runtime/runtime";
import type { CpuProfileInput } from "./pprof";
import { DEFAULT_SAMPLE_HZ, sampleIntervalMicros } from "./sample-rate";
import type { SpanTimeline } from "./span-timeline";

export const SAMPLE_INTERVAL_MICROS = sampleIntervalMicros(DEFAULT_SAMPLE_HZ);
const MAX_MARK_MS = 100;
/**
 * How long the clock mark spins: three sampling intervals where that fits in MAX_MARK_MS, else one (at most
 * MAX_MARK_MS). Even a single sample in the mark then places it to within half an interval, the uncertainty every
 * sample's time has anyway.
 */
export const clockMarkMs = (intervalMs: number) =>
  3 * intervalMs <= MAX_MARK_MS ? 3 * intervalMs : Math.min(intervalMs, MAX_MARK_MS);
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

/**
 * Busy for a few sampling intervals under a name the sampler records: the samples that land in it tell how the
 * sampler's monotonic clock lines up with performance.now(), which span timestamps use (to within half an interval).
 */
function twinbinClockMark(durationMs: number): number {
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    // spin: the point is to be on the stack for a few samples
  }
  return started;
}

/** Offset (ms) to add to a sample timestamp (s → ms) to get performance.now() time, from the clock-mark samples. */
function clockOffset(stacks: SampledStack[], markStarted: number, markMs: number): number | undefined {
  const marked = stacks.filter((s) => s.frames.some((f) => f.name === "twinbinClockMark"));
  if (marked.length === 0) return undefined;
  const first = marked[0] as SampledStack;
  const last = marked[marked.length - 1] as SampledStack;
  // The mark spans [markStarted, markStarted + markMs]; align the middles.
  return markStarted + markMs / 2 - ((first.timestamp + last.timestamp) / 2) * 1000;
}

/**
 * One CPU profile at a time (the sampler is process-wide); a second request while one runs is a 409. With a
 * span timeline, samples get trace_id/span_id pprof labels where the attribution is unambiguous. `cutShort()` (on
 * shutdown) ends the profile being taken at once, answered with what was sampled so far, and every later one right
 * after it starts: a 10 s profile must not hold a SIGTERM for the rest of its 10 s.
 */
export function createCpuProfiler(
  timeline?: SpanTimeline,
  intervalMicros = SAMPLE_INTERVAL_MICROS,
  /** Which process this is (service.name, service.instance.id, …): the profile's comments and every sample's labels. */
  identity: Record<string, string> = {},
) {
  let running = false;
  let cutOff = false;
  /**
   * Sample time → performance.now() time. Both clocks are monotonic, so once a clock mark has been sampled the
   * offset holds for the life of the process, and later profiles spend no time in a mark.
   */
  let offset: number | undefined;
  let endWait: (() => void) | undefined;
  /** Waits `ms`, or less if cut short. */
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (cutOff) return resolve();
      const timer = setTimeout(resolve, ms);
      endWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return {
    /** Samples for `seconds` and returns a gzipped pprof profile. */
    async capture(seconds: number): Promise<Uint8Array<ArrayBuffer>> {
      if (running) throw new HttpError(409, "profile_in_progress", "a CPU profile is already being taken");
      running = true;
      const intervalMs = intervalMicros / 1000;
      // A sample's time is known to within half an interval, so spans are trimmed by that much before matching.
      timeline?.start(intervalMs / 2);
      try {
        const startNanos = Date.now() * 1e6;
        const started = performance.now();
        let markStarted = 0;
        const markMs = offset === undefined ? clockMarkMs(intervalMs) : 0;
        const stacks = await sampleCpu(async () => {
          if (markMs > 0) markStarted = twinbinClockMark(markMs);
          await wait(seconds * 1000);
        }, intervalMicros);
        endWait = undefined;
        const spanAt = timeline?.stop();
        if (markMs > 0) offset = clockOffset(stacks, markStarted, markMs);
        const samples: CpuProfileInput["samples"] = stacks.map((stack) => {
          const span = spanAt && offset !== undefined ? spanAt(stack.timestamp * 1000 + offset) : undefined;
          const labels = span ? { ...identity, trace_id: span.traceId, span_id: span.spanId } : identity;
          return { frames: stack.frames, labels };
        });
        // The pprof encoder loads with the first profile: most processes are never profiled.
        const { encodeCpuProfile } = await import("./pprof");
        const profile = encodeCpuProfile({
          samples,
          intervalNanos: intervalMicros * 1000,
          startNanos,
          comments: Object.entries(identity).map(([key, value]) => `${key}=${value}`),
          durationNanos: Math.round((performance.now() - started) * 1e6),
        });
        return new Uint8Array(gzipSync(profile));
      } finally {
        timeline?.stop();
        running = false;
      }
    },
    /** Ends the profile in progress now, and any later one as soon as it starts. */
    cutShort(): void {
      cutOff = true;
      endWait?.();
    },
  };
}

export type CpuProfiler = ReturnType<typeof createCpuProfiler>;
