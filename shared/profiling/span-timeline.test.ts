import { describe, expect, test } from "bun:test";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { SpanTimeline } from "./span-timeline";

/** A span that ran from `start` to `end` (performance.now() ms). */
function span(id: string, kind: SpanKind, start: number, end: number): ReadableSpan {
  const hr = (ms: number): [number, number] => {
    const epochMs = performance.timeOrigin + ms;
    const seconds = Math.floor(epochMs / 1000);
    return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
  };
  return {
    kind,
    startTime: hr(start),
    endTime: hr(end),
    spanContext: () => ({ traceId: `trace-${id}`, spanId: `span-${id}`, traceFlags: 1 }),
  } as unknown as ReadableSpan;
}

describe("SpanTimeline", () => {
  test("records nothing unless a profile is running", () => {
    const timeline = new SpanTimeline();
    timeline.onEnd(span("a", SpanKind.SERVER, 100, 200));
    timeline.start();
    expect(timeline.stop()(150)).toBeUndefined();
  });

  test("remembers at most `limit` spans per profile; later samples stay unlabelled", () => {
    const timeline = new SpanTimeline(2);
    timeline.start();
    timeline.onEnd(span("a", SpanKind.SERVER, 100, 200));
    timeline.onEnd(span("b", SpanKind.SERVER, 300, 400));
    timeline.onEnd(span("c", SpanKind.SERVER, 500, 600));
    const lookup = timeline.stop();
    expect(lookup(350)).toMatchObject({ spanId: "span-b" });
    expect(lookup(550)).toBeUndefined();
    timeline.start(); // the next profile starts empty again
    timeline.onEnd(span("c", SpanKind.SERVER, 500, 600));
    expect(timeline.stop()(550)).toMatchObject({ spanId: "span-c" });
  });

  test("one SERVER span covering a sample labels it; none outside it", () => {
    const timeline = new SpanTimeline();
    timeline.start();
    timeline.onEnd(span("a", SpanKind.SERVER, 100, 200));
    const lookup = timeline.stop();
    expect(lookup(150)).toMatchObject({ traceId: "trace-a", spanId: "span-a" });
    expect(lookup(99)).toBeUndefined();
    expect(lookup(201)).toBeUndefined();
  });

  test("an INTERNAL span wins over the SERVER span around it", () => {
    const timeline = new SpanTimeline();
    timeline.start();
    timeline.onEnd(span("inner", SpanKind.INTERNAL, 120, 180));
    timeline.onEnd(span("outer", SpanKind.SERVER, 100, 200));
    const lookup = timeline.stop();
    expect(lookup(150)?.spanId).toBe("span-inner");
    expect(lookup(110)?.spanId).toBe("span-outer");
  });

  test("overlapping requests leave the sample unlabelled; CLIENT spans never label", () => {
    const timeline = new SpanTimeline();
    timeline.start();
    timeline.onEnd(span("a", SpanKind.SERVER, 100, 200));
    timeline.onEnd(span("b", SpanKind.SERVER, 150, 250));
    timeline.onEnd(span("c", SpanKind.CLIENT, 300, 400));
    const lookup = timeline.stop();
    expect(lookup(175)).toBeUndefined();
    expect(lookup(120)?.spanId).toBe("span-a");
    expect(lookup(350)).toBeUndefined();
  });

  test("the uncertainty margin trims both ends; a span shorter than twice the margin labels nothing", () => {
    const timeline = new SpanTimeline();
    timeline.start(10);
    timeline.onEnd(span("a", SpanKind.SERVER, 100, 200));
    timeline.onEnd(span("z", SpanKind.SERVER, 300, 300));
    const lookup = timeline.stop();
    expect(lookup(105)).toBeUndefined();
    expect(lookup(110)?.spanId).toBe("span-a");
    expect(lookup(195)).toBeUndefined();
    expect(lookup(300)).toBeUndefined();
  });

  test("spans too short to label a sample are not remembered, so they neither count against the limit nor blur", () => {
    const timeline = new SpanTimeline(1);
    timeline.start(10);
    timeline.onEnd(span("short", SpanKind.INTERNAL, 140, 159));
    timeline.onEnd(span("long", SpanKind.SERVER, 100, 200));
    const lookup = timeline.stop();
    expect(lookup(150)?.spanId).toBe("span-long");
    timeline.start(10); // the margin is per profile: a span of exactly twice the margin labels its middle
    timeline.onEnd(span("edge", SpanKind.SERVER, 300, 320));
    expect(timeline.stop()(310)?.spanId).toBe("span-edge");
  });

  test("a zero-length span labels its instant; stopping ends recording", () => {
    const timeline = new SpanTimeline();
    timeline.start();
    timeline.onEnd(span("z", SpanKind.SERVER, 300, 300));
    expect(timeline.stop()(300)?.spanId).toBe("span-z");
    timeline.onEnd(span("late", SpanKind.SERVER, 0, 1000));
    timeline.start();
    expect(timeline.stop()(500)).toBeUndefined();
  });
});
