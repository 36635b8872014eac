import { describe, expect, test } from "bun:test";
import { serviceResource } from "./resource";
import { parseTelemetrySettings } from "./settings";
import { exportConcurrency, startTracing } from "./tracing";

describe("span export while the collector fails", () => {
  test("exports in flight stay within a queue's worth, however many fail", async () => {
    // A collector that takes 200 ms to refuse every export (a non-retryable 400, so each fails at once after that).
    let inFlight = 0;
    let mostInFlight = 0;
    let received = 0;
    const collector = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        await request.arrayBuffer();
        received++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 200));
        inFlight--;
        return new Response("no", { status: 400 });
      },
    });
    const settings = parseTelemetrySettings(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_BSP_SCHEDULE_DELAY: "10",
        OTEL_BSP_MAX_QUEUE_SIZE: "8",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4",
        OTEL_METRICS_EXPORTER: "none",
      },
      "test",
    );
    const provider = startTracing(settings, serviceResource("test", "0.0.0", "test"), undefined);
    if (!provider) throw new Error("tracing is on");
    const tracer = provider.getTracer("test");
    try {
      const until = performance.now() + 2500;
      while (performance.now() < until) {
        for (let i = 0; i < 4; i++) tracer.startSpan("work").end();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(received).toBeGreaterThan(5);
      // ceil(8 / 4) + 1; sdk-trace's processor alone would double them after each failure, up to 30.
      expect(exportConcurrency(settings.traces.batch)).toBe(3);
      expect(mostInFlight).toBeLessThanOrEqual(3);
    } finally {
      // The collector refuses the final flush too (and exports over the limit fail at once): nothing to wait for.
      await provider.shutdown().catch(() => {});
      await collector.stop(true);
    }
  });

  test("the limit lets a shutdown flush send a full queue at once", () => {
    const batch = { scheduledDelayMillis: 5000, exportTimeoutMillis: 30_000 };
    expect(exportConcurrency({ ...batch, maxQueueSize: 2048, maxExportBatchSize: 512 })).toBe(5);
    expect(exportConcurrency({ ...batch, maxQueueSize: 100, maxExportBatchSize: 512 })).toBe(2);
    expect(exportConcurrency({ ...batch, maxQueueSize: 10, maxExportBatchSize: 3 })).toBe(5);
  });
});
