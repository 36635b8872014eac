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
  private uncertaintyMs = 0;

  /**
   * `limit` bounds the spans one profile remembers: a 10 s profile at tens of thousands of requests a second would
   * otherwise hold every span's interval (hundreds of MiB). Past it, later samples stay unlabelled; under such
   * concurrency most would be ambiguous anyway.
   */
  constructor(private readonly limit = 50_000) {}

  /**
   * Starts recording. Spans are trimmed by `uncertaintyMs` at both ends (a sample that close to an edge could belong
   * to a neighbour), so a span shorter than twice that can never label a sample, nor make one ambiguous: those are
   * not remembered at all. Under load most spans are that short, and remembering them held tens of MiB for nothing
   * (docs/profiling.md).
   */
  start(uncertaintyMs = 0): void {
    this.intervals = [];
    this.uncertaintyMs = uncertaintyMs;
  }

  /** Stops recording and returns a lookup from a sample time (performance.now ms) to its span, if unambiguous. */
  stop(): (time: number) => { traceId: string; spanId: string } | undefined {
    const intervals = (this.intervals ?? []).sort((a, b) => a.start - b.start);
    const uncertaintyMs = this.uncertaintyMs;
    this.intervals = undefined;
    let longest = 0;
    for (const i of intervals) longest = Math.max(longest, i.end - i.start);
    // Sorted by start, so a lookup scans back only over spans that started at most `longest` before the sample:
    // a 10 s profile under load holds hundreds of thousands of spans, and a sample is looked up per stack.
    return (time) => {
      let high = intervals.length;
      for (let low = 0; low < high; ) {
        const middle = (low + high) >>> 1;
        if ((intervals[middle] as Interval).start + uncertaintyMs <= time) low = middle + 1;
        else high = middle;
      }
      let server: Interval | undefined;
      let servers = 0;
      let internal: Interval | undefined;
      let internals = 0;
      for (let k = high - 1; k >= 0; k--) {
        const i = intervals[k] as Interval;
        if (i.start < time + uncertaintyMs - longest) break;
        if (time > i.end - uncertaintyMs) continue;
        if (i.kind === SpanKind.INTERNAL) {
          internal = i;
          internals++;
        } else {
          server = i;
          servers++;
        }
      }
      if (internals > 0) return internals === 1 ? internal : undefined;
      return servers === 1 ? server : undefined;
    };
  }

  onStart(_span: Span, _context: Context): void {}

  onEnd(span: ReadableSpan): void {
    // Only INTERNAL and SERVER spans can label a sample.
    if (!this.intervals || (span.kind !== SpanKind.INTERNAL && span.kind !== SpanKind.SERVER)) return;
    if (this.intervals.length >= this.limit) return;
    const start = toPerfMillis(span.startTime);
    const end = toPerfMillis(span.endTime);
    if (end - start < 2 * this.uncertaintyMs) return;
    const { traceId, spanId } = span.spanContext();
    this.intervals.push({ traceId, spanId, kind: span.kind, start, end });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.intervals = undefined;
    return Promise.resolve();
  }
}
