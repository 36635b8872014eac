import { type Meter, metrics } from "@opentelemetry/api";
import type { Resource } from "@opentelemetry/resources";
import {
  type IMetricReader,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { FastHistogram, FastHistogramProducer } from "./fast-histogram";
import { LazyExporter } from "./lazy-exporter";
import { PrometheusEndpoint } from "./prometheus";
import type { TelemetrySettings } from "./settings";

/** Semantic-convention advice for HTTP durations, in seconds. */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export interface MetricsPipeline {
  provider: MeterProvider;
  prometheus: PrometheusEndpoint | undefined;
  /** http.server.request.duration: method, scheme, status, route, error type. */
  serverDuration: FastHistogram;
  /** http.client.request.duration: method, server address and port, status, error type. */
  clientDuration: FastHistogram;
}

/**
 * A meter provider with the readers OTEL_METRICS_EXPORTER asks for (Prometheus pull, OTLP push), or none; the
 * per-request HTTP duration histograms ride along as a metric producer (see FastHistogram).
 */
export function startMetrics(
  settings: TelemetrySettings,
  resource: Resource,
  scope: { name: string; version: string },
): MetricsPipeline | undefined {
  const serverDuration = new FastHistogram(
    "http.server.request.duration",
    "Duration of HTTP server requests",
    "s",
    DURATION_BUCKETS_SECONDS,
    ["http.request.method", "url.scheme", "http.response.status_code", "http.route", "error.type"],
  );
  const clientDuration = new FastHistogram(
    "http.client.request.duration",
    "Duration of HTTP client requests",
    "s",
    DURATION_BUCKETS_SECONDS,
    ["http.request.method", "server.address", "server.port", "http.response.status_code", "error.type"],
  );
  const metricProducers = [new FastHistogramProducer(scope, [serverDuration, clientDuration])];
  const readers: IMetricReader[] = [];
  const prometheus = settings.metrics.prometheus ? new PrometheusEndpoint(metricProducers) : undefined;
  if (prometheus) readers.push(prometheus.reader);
  const otlp = settings.metrics.otlp;
  if (otlp) {
    const config = { url: otlp.url, headers: otlp.headers };
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new LazyExporter<ResourceMetrics>(async () =>
          (await import("./otlp/metric-exporter")).otlpMetricExporter(otlp.protocol, config),
        ),
        exportIntervalMillis: settings.metrics.exportIntervalMillis,
        exportTimeoutMillis: Math.min(30_000, settings.metrics.exportIntervalMillis),
        metricProducers,
      }),
    );
  }
  if (readers.length === 0) return undefined;
  const provider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(provider);
  return { provider, prometheus, serverDuration, clientDuration };
}

/**
 * Process basics for the USE side of dashboards: resident memory, JS heap, CPU time and event-loop lag (how late
 * a 100 ms timer fires, worst case since the last collection).
 */
export function recordRuntimeMetrics(meter: Meter): void {
  let worstLagSeconds = 0;
  let expected = performance.now() + 100;
  setInterval(() => {
    const now = performance.now();
    worstLagSeconds = Math.max(worstLagSeconds, (now - expected) / 1000);
    expected = now + 100;
  }, 100).unref();

  meter
    .createObservableGauge("process.memory.usage", { unit: "By", description: "Resident set size of the process" })
    .addCallback((result) => result.observe(process.memoryUsage.rss()));
  meter
    .createObservableGauge("js.heap.used", { unit: "By", description: "JavaScript heap in use" })
    .addCallback((result) => result.observe(process.memoryUsage().heapUsed));
  meter
    .createObservableCounter("process.cpu.time", { unit: "s", description: "CPU time used by the process" })
    .addCallback((result) => {
      const { user, system } = process.cpuUsage();
      result.observe(user / 1e6, { "cpu.mode": "user" });
      result.observe(system / 1e6, { "cpu.mode": "system" });
    });
  meter
    .createObservableGauge("eventloop.lag", {
      unit: "s",
      description: "Worst event-loop delay seen since the previous collection",
    })
    .addCallback((result) => {
      result.observe(Math.max(0, worstLagSeconds));
      worstLagSeconds = 0;
    });
}
