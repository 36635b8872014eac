import { describe, expect, test } from "bun:test";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { type ReadableSpan, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { BoundedBatchSpanProcessor } from "./batch-span-processor";

class CollectingReader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** An exporter that records each batch and completes only when told to. */
function heldExporter() {
  const batches: { spans: ReadableSpan[]; done: (result: ExportResult) => void }[] = [];
  const exporter: SpanExporter = {
    export: (spans, done) => batches.push({ spans, done }),
    shutdown: async () => {},
  };
  return { exporter, batches };
}

const settings = { scheduledDelayMillis: 60_000, exportTimeoutMillis: 30_000, maxQueueSize: 6, maxExportBatchSize: 3 };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function setUp(exporter: SpanExporter) {
  const reader = new CollectingReader();
  const meters = new MeterProvider({ readers: [reader] });
  const processor = new BoundedBatchSpanProcessor(exporter, settings, meters);
  const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer("test");
  async function processed(): Promise<Record<string, number>> {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === "otel.sdk.processor.span.processed");
    const byError: Record<string, number> = {};
    for (const point of metric?.dataPoints ?? []) {
      byError[String(point.attributes["error.type"] ?? "ok")] = point.value as number;
    }
    return byError;
  }
  return { processor, tracer, processed };
}

describe("bounded batch span processor", () => {
  test("the span.end() that fills a batch does not export it; the next turn of the event loop does", async () => {
    const { exporter, batches } = heldExporter();
    const { tracer } = setUp(exporter);
    for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`).end();
    expect(batches).toHaveLength(0);
    await nextTurn();
    expect(batches.map((b) => b.spans.map((s) => s.name))).toEqual([["s0", "s1", "s2"]]);
  });

  test("one export in flight; a full queue drops and counts queue_full; results are counted by outcome", async () => {
    const { exporter, batches } = heldExporter();
    const { tracer, processed } = setUp(exporter);
    for (let i = 0; i < 3; i++) tracer.startSpan("first batch").end();
    await nextTurn();
    for (let i = 0; i < 10; i++) tracer.startSpan("while exporting").end();
    await nextTurn();
    expect(batches).toHaveLength(1); // the queue (6) waits for the batch in flight
    expect(await processed()).toEqual({ queue_full: 4 });

    batches[0]?.done({ code: ExportResultCode.FAILED, error: new TypeError("refused") });
    await nextTurn();
    await nextTurn();
    expect(batches).toHaveLength(2);
    batches[1]?.done({ code: ExportResultCode.SUCCESS });
    await nextTurn();
    await nextTurn();
    expect(batches).toHaveLength(3);
    expect(await processed()).toEqual({ queue_full: 4, TypeError: 3, ok: 3 });
  });

  test("shutdown sends everything queued at once and waits for it", async () => {
    const batches: ReadableSpan[][] = [];
    const exporter: SpanExporter = {
      export: (spans, done) => {
        batches.push(spans);
        setTimeout(() => done({ code: ExportResultCode.SUCCESS }), 20);
      },
      shutdown: async () => {},
    };
    const { tracer, processor } = setUp(exporter);
    for (let i = 0; i < 5; i++) tracer.startSpan("queued").end(); // one full batch (next turn) + 2 waiting
    await processor.shutdown();
    expect(batches.map((b) => b.length)).toEqual([3, 2]);
    tracer.startSpan("after shutdown").end();
    await nextTurn();
    expect(batches).toHaveLength(2);
  });

  test("a resource still detecting attributes is exported only once they are known", async () => {
    let detect: (id: string) => void = () => {};
    const instanceId = new Promise<string>((resolve) => {
      detect = resolve;
    });
    const resource = resourceFromAttributes({ "service.name": "svc", "service.instance.id": instanceId });
    // What an exporter encodes is what the resource holds when export is called.
    const exported: Record<string, unknown>[] = [];
    const exporter: SpanExporter = {
      export: (spans, done) => {
        exported.push({ ...spans[0]?.resource.attributes });
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => {},
    };
    const processor = new BoundedBatchSpanProcessor(exporter, settings);
    const tracer = new TracerProvider({ resource, spanProcessors: [processor] }).getTracer("test");
    for (let i = 0; i < 3; i++) tracer.startSpan("early").end();
    await nextTurn();
    await nextTurn();
    expect(exported).toHaveLength(0);
    detect("pod-7");
    const flushed = processor.forceFlush();
    await flushed;
    expect(exported).toEqual([{ "service.name": "svc", "service.instance.id": "pod-7" }]);
  });
});
