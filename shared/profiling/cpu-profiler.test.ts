import { describe, expect, test } from "bun:test";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { HttpError } from "../http/errors";
import {
  type CpuProfiler,
  clockMarkMs,
  createCpuProfiler,
  DEFAULT_SECONDS,
  MAX_SECONDS,
  profileSeconds,
} from "./cpu-profiler";
import { decodeProfile } from "./decode";
import { SpanTimeline } from "./span-timeline";

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

describe("cutShort (shutdown)", () => {
  test("ends the profile in progress with what was sampled, and later ones at once", async () => {
    // JavaScript work for the sampler to record, repeated on a fresh profiler while a busy machine left it none.
    let profile: ReturnType<typeof decodeProfile>["profile"] | undefined;
    let profiler = createCpuProfiler(undefined, 1000);
    for (let attempt = 0; attempt < 10 && !profile?.sample.length; attempt++) {
      profiler = createCpuProfiler(undefined, 1000);
      const capture = profiler.capture(60);
      await Bun.sleep(20);
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // spin
      }
      profiler.cutShort();
      profile = decodeProfile(await capture).profile;
      // A 60 s profile that reports well under 60 s of sampling was cut short, and it is still a whole profile.
      expect(Number(profile.durationNanos)).toBeLessThan(30e9);
    }
    expect(profile?.sample.length).toBeGreaterThan(0);

    const later = decodeProfile(await profiler.capture(60)).profile;
    expect(Number(later.durationNanos)).toBeLessThan(30e9);
  });
});

describe("profiles tied to spans", () => {
  test("the clock mark lasts three sampling intervals, or at most one where three would pass 100 ms", () => {
    for (const hz of [1, 5, 10, 19, 25, 33, 34, 100, 1000]) {
      const intervalMs = 1000 / hz;
      const markMs = clockMarkMs(intervalMs);
      expect(markMs).toBeLessThanOrEqual(100);
      // Three intervals where that fits; else at most one, so a single sample in it is within half an interval.
      if (3 * intervalMs <= 100) expect(markMs).toBe(3 * intervalMs);
      else expect(markMs).toBeLessThanOrEqual(intervalMs);
    }
  });

  /** Busy under a name the sampler records, reported to the timeline as an INTERNAL span that ran it. */
  function labelledWork(timeline: SpanTimeline, spanId: string) {
    const toHrTime = (perfMs: number): [number, number] => {
      const epochMs = performance.timeOrigin + perfMs;
      return [Math.floor(epochMs / 1000), Math.round((epochMs % 1000) * 1e6)];
    };
    const started = performance.now();
    while (performance.now() - started < 80) {
      // on the stack for the sampler
    }
    const ended = performance.now();
    const span = {
      kind: SpanKind.INTERNAL,
      startTime: toHrTime(started),
      endTime: toHrTime(ended),
      spanContext: () => ({ traceId: "a".repeat(32), spanId, traceFlags: 1 }),
    };
    timeline.onEnd(span as unknown as ReadableSpan);
  }

  async function profiled(profiler: CpuProfiler, timeline: SpanTimeline, spanId: string) {
    const capture = profiler.capture(1);
    await Bun.sleep(150); // past the clock mark, if there is one
    labelledWork(timeline, spanId);
    const decoded = decodeProfile(await capture);
    const samples = decoded.stacks.map((stack, i) => ({ stack, labels: decoded.labels[i] ?? {} }));
    return {
      marked: samples.filter((s) => s.stack.includes("twinbinClockMark")).length,
      work: samples.filter((s) => s.stack.includes("labelledWork")),
    };
  }

  test("the clock is aligned once: later profiles take no mark and still label samples with their span", async () => {
    const timeline = new SpanTimeline();
    const profiler = createCpuProfiler(timeline, 1000);
    const first = await profiled(profiler, timeline, "1".repeat(16));
    expect(first.marked).toBeGreaterThan(0);
    const second = await profiled(profiler, timeline, "2".repeat(16));
    expect(second.marked).toBe(0);
    for (const [taken, spanId] of [
      [first, "1".repeat(16)],
      [second, "2".repeat(16)],
    ] as const) {
      const labelled = taken.work.filter((s) => s.labels.span_id);
      expect(labelled.length).toBeGreaterThan(0);
      for (const sample of labelled) expect(sample.labels.span_id).toBe(spanId);
    }
  });
});
