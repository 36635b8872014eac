import { describe, expect, test } from "bun:test";
import { serviceResource } from "./resource";
import { parseTelemetrySettings } from "./settings";
import { exportConcurrency, startTracing } from "./tracing";

describe("span export while the collector fails", () => {
  test("one export at a time, however many fail; the outage is logged once, the recovery once", async () => {
    // A collector that takes 200 ms to refuse every export (a non-retryable 400, so each fails at once after that).
    let inFlight = 0;
    let mostInFlight = 0;
    let received = 0;
    let refusing = true;
    const collector = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        await request.arrayBuffer();
        received++;
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 200));
        inFlight--;
        return refusing ? new Response("no", { status: 400 }) : new Response(new Uint8Array());
      },
    });
    const lines: [string, string, Record<string, unknown>][] = [];
    const log = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push(["warn", message, fields]),
      info: (fields: Record<string, unknown>, message: string) => lines.push(["info", message, fields]),
    };
    const settings = parseTelemetrySettings(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        OTEL_BSP_SCHEDULE_DELAY: "10",
        OTEL_BSP_MAX_QUEUE_SIZE: "8",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4",
        OTEL_METRICS_EXPORTER: "none",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer secret-token",
      },
      "test",
    );
    const provider = startTracing(settings, serviceResource("test", "0.0.0", "test"), undefined, [], () => log);
    if (!provider) throw new Error("tracing is on");
    const tracer = provider.getTracer("test");
    try {
      const until = performance.now() + 2500;
      while (performance.now() < until) {
        for (let i = 0; i < 4; i++) tracer.startSpan("work").end();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(received).toBeGreaterThan(5);
      // sdk-trace's processor would start two exports after each failure, piling up to the exporter's limit.
      expect(mostInFlight).toBe(1);
      expect(lines).toHaveLength(1);
      const [level, message, fields] = lines[0] ?? [];
      expect([level, message]).toEqual([
        "warn",
        "span export failing: spans are dropped until the collector answers again",
      ]);
      expect(fields).toEqual({ endpoint: `http://127.0.0.1:${collector.port}/v1/traces`, error: "HTTP 400" });
      expect(JSON.stringify(lines)).not.toContain("secret-token");

      refusing = false;
      const recovered = performance.now() + 3000;
      while (lines.length < 2 && performance.now() < recovered) {
        tracer.startSpan("work").end();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lines.map(([level, message]) => [level, message])).toEqual([
        ["warn", "span export failing: spans are dropped until the collector answers again"],
        ["info", "span export recovered"],
      ]);
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
