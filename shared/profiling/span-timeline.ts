import { type Context, SpanKind } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";

interface Interval {
  traceId: string;
  spanId: string;
  kind: SpanKind;
  /** performance.now() milliseconds. */
  start: number;
  end: number;
}

const toPerfMillis = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6 - performance.timeOrigin;

/**
 * Remembers when spans ran, only while a CPU profile is being taken, so that profile samples can be labelled
 * with the trace they belong to. Attribution is deliberately conservative: a sample gets a trace only when exactly
 * one INTERNAL span (code-level work such as `fibonacci`) covers it, or, with none, exactly one SERVER span.
 * Concurrent async requests overlap, and a sample cannot be told apart among them, so those stay unlabelled.
 */
export class SpanTimeline implements SpanProcessor {
  private intervals: Interval[] | undefined;

  start(): void {
    this.intervals = [];
  }

  /**
   * Stops recording and returns a lookup from a sample time (performance.now ms) to its span, if unambiguous.
   * Spans are trimmed by `uncertaintyMs` at both ends: a sample that close to an edge could belong to a neighbour.
   */
  stop(uncertaintyMs = 0): (time: number) => { traceId: string; spanId: string } | undefined {
    const intervals = this.intervals ?? [];
    this.intervals = undefined;
    return (time) => {
      const covering = intervals.filter((i) => i.start + uncertaintyMs <= time && time <= i.end - uncertaintyMs);
      const internal = covering.filter((i) => i.kind === SpanKind.INTERNAL);
      const candidates = internal.length > 0 ? internal : covering.filter((i) => i.kind === SpanKind.SERVER);
      return candidates.length === 1 ? candidates[0] : undefined;
    };
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (!this.intervals) return;
    const { traceId, spanId } = span.spanContext();
    this.intervals.push({
      traceId,
      spanId,
      kind: span.kind,
      start: toPerfMillis(span.startTime),
      end: toPerfMillis(span.endTime),
    });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.intervals = undefined;
    return Promise.resolve();
  }
}
