import {
  type Attributes,
  type Counter,
  context,
  type MeterProvider,
  ROOT_CONTEXT,
  TraceFlags,
} from "@opentelemetry/api";
import { ExportResultCode, suppressTracing } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { BatchSettings } from "../settings";

const COMPONENT_TYPE = "batching_span_processor";
const EXPORT_CONTEXT = suppressTracing(ROOT_CONTEXT);
let instances = 0;

/**
 * Batches ended spans for a SpanExporter, with a bounded queue. Unlike sdk-trace's BatchSpanProcessor it never
 * exports inside the `span.end()` that fills a batch (the export starts on the next turn of the event loop, off the
 * request's path), and it keeps at most one export in flight (a shutdown or forced flush sends the rest at once).
 * A full queue drops spans, counted as otel.sdk.processor.span.processed{error.type="queue_full"}, the same metric
 * and attributes as the SDK's processor, so dashboards and alerts read either.
 */
export class BoundedBatchSpanProcessor implements SpanProcessor {
  private queue: ReadableSpan[] = [];
  private exporting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate = false;
  private shutDown: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly processed: Counter | undefined;
  private readonly attributes: Attributes;
  private readonly dropped: Attributes;

  constructor(
    private readonly exporter: SpanExporter,
    private readonly settings: BatchSettings,
    selfObsMeterProvider?: MeterProvider,
  ) {
    this.attributes = {
      "otel.component.type": COMPONENT_TYPE,
      "otel.component.name": `${COMPONENT_TYPE}/${instances++}`,
    };
    this.dropped = { ...this.attributes, "error.type": "queue_full" };
    const meter = selfObsMeterProvider?.getMeter("@opentelemetry/sdk-trace");
    if (meter) {
      this.processed = meter.createCounter("otel.sdk.processor.span.processed", {
        unit: "{span}",
        description: "The number of spans for which the processing has finished, either successful or failed.",
      });
      meter
        .createUpDownCounter("otel.sdk.processor.span.queue.capacity", {
          unit: "{span}",
          description: "The maximum number of spans the queue of a given instance of an SDK span processor can hold.",
        })
        .add(settings.maxQueueSize, this.attributes);
      meter
        .createObservableUpDownCounter("otel.sdk.processor.span.queue.size", {
          unit: "{span}",
          description: "The number of spans in the queue of a given instance of an SDK span processor.",
        })
        .addCallback((result) => result.observe(this.queue.length, this.attributes));
    }
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.shutDown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.length >= this.settings.maxQueueSize) {
      this.processed?.add(1, this.dropped);
      return;
    }
    this.queue.push(span);
    this.schedule();
  }

  /** Sends everything queued now (several batches at once if need be) and waits for every export in flight. */
  async forceFlush(): Promise<void> {
    this.clearTimer();
    while (this.queue.length > 0) this.exportBatch();
    await Promise.allSettled([...this.inFlight]);
  }

  shutdown(): Promise<void> {
    this.shutDown ??= this.forceFlush().then(() => this.exporter.shutdown());
    return this.shutDown;
  }

  /** A full batch goes out on the next turn of the event loop; a partial one after the scheduled delay. */
  private schedule(): void {
    if (this.exporting || this.immediate) return;
    if (this.queue.length >= this.settings.maxExportBatchSize) {
      this.clearTimer();
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.exportNext();
      });
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.exportNext();
      }, this.settings.scheduledDelayMillis);
      this.timer.unref?.();
    }
  }

  private exportNext(): void {
    if (this.exporting || this.queue.length === 0) return;
    this.exporting = true;
    this.exportBatch().finally(() => {
      this.exporting = false;
      if (this.queue.length > 0 && !this.shutDown) this.schedule();
    });
  }

  private exportBatch(): Promise<void> {
    const size = this.settings.maxExportBatchSize;
    let batch: ReadableSpan[];
    if (this.queue.length <= size) {
      batch = this.queue;
      this.queue = [];
    } else {
      batch = this.queue.splice(0, size);
    }
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const finish = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        this.processed?.add(
          batch.length,
          error ? { ...this.attributes, "error.type": error.name || "export_failed" } : this.attributes,
        );
        resolve();
      };
      // An exporter that never calls back must not stall the pipeline.
      const timeout = setTimeout(() => finish(new TimeoutError()), this.settings.exportTimeoutMillis);
      const send = () => {
        try {
          // Outside any request's context (the timer may have been set inside one): the export and what it logs
          // belong to no trace, and nothing it calls is traced.
          context.with(EXPORT_CONTEXT, () =>
            this.exporter.export(batch, (result) =>
              finish(
                result.code === ExportResultCode.SUCCESS ? undefined : (result.error ?? new Error("export failed")),
              ),
            ),
          );
        } catch (error) {
          finish(error as Error);
        }
      };
      // A resource whose async detectors are still running would be exported without their attributes (the first
      // spans of a service would carry another resource than the rest): wait for them, as the SDK's processor does.
      const pending = pendingResources(batch);
      if (pending.length === 0) send();
      else Promise.all(pending.map((resource) => resource.waitForAsyncAttributes?.())).then(send, finish);
    });
    this.inFlight.add(done);
    done.finally(() => this.inFlight.delete(done));
    return done;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function pendingResources(batch: readonly ReadableSpan[]): Resource[] {
  const pending: Resource[] = [];
  for (const span of batch) {
    if (span.resource.asyncAttributesPending && !pending.includes(span.resource)) pending.push(span.resource);
  }
  return pending;
}

class TimeoutError extends Error {
  override name = "TimeoutError";
}
