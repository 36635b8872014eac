import { type Meter, metrics, type Tracer, trace } from "@opentelemetry/api";
import type { TraceContextPolicy } from "../config/config";
import type { Logger } from "../logging/logger";
import { SpanTimeline } from "../profiling/span-timeline";
import { tracedFetch } from "./http-client";
import { type Handler, instrumentServer } from "./http-server";
import { type LogLineSink, startLogs } from "./logs";
import { recordRuntimeMetrics, startMetrics } from "./metrics";
import type { PrometheusEndpoint } from "./prometheus";
import { identityOf, serviceResource } from "./resource";
import type { TelemetrySettings } from "./settings";
import { startTracing } from "./tracing";

export { instrumentLibsqlClient } from "./database";

/** Everything a service needs from OpenTelemetry, set up in one call and torn down by `shutdown`. */
export interface Telemetry {
  settings: TelemetrySettings;
  /** service.name, service.instance.id, deployment.environment.name as reported (also on CPU profiles). */
  identity: Record<string, string>;
  tracer: Tracer;
  meter: Meter;
  /** Serves /metrics; undefined when Prometheus is not among OTEL_METRICS_EXPORTER (or the SDK is disabled). */
  prometheus: PrometheusEndpoint | undefined;
  /** The fetch outgoing HTTP calls go through (CLIENT spans, context propagation, client duration metric). */
  fetch: typeof fetch;
  /** When spans ran, recorded only while a CPU profile runs (to label samples with their trace); none if tracing is off. */
  spanTimeline: SpanTimeline | undefined;
  /** An extra destination for log lines (OTLP export), when OTEL_LOGS_EXPORTER=otlp. */
  logSink: LogLineSink | undefined;
  instrumentServer(handler: Handler, log: Logger): Handler;
  /** Where telemetry reports on itself (a collector going away and coming back); the logger is made after telemetry. */
  useLogger(log: Logger): void;
  /** Flushes and stops every pipeline, bounded by OTEL_SHUTDOWN_TIMEOUT_MS so a dead collector cannot hold the exit. */
  shutdown(): Promise<void>;
}

const INSTRUMENTATION_SCOPE = "twinbin";

/** The HTTP wrapper with every OpenTelemetry part off: the access line (and the JSON 500 for a throwing handler). */
const untracedInstrumentation = (log: Logger, boundary: TrustBoundary) => ({
  tracer: undefined,
  duration: undefined,
  log,
  captureRequestHeaders: [],
  captureResponseHeaders: [],
  traceContextFromClients: boundary.traceContextFromClients,
});

/** Where this service's trust ends (docs/trust-boundaries.md). */
export interface TrustBoundary {
  traceContextFromClients: TraceContextPolicy;
  /** Hosts (name or name:port) outgoing calls send trace context and baggage to. */
  propagateTo: readonly string[];
}

/** Starts the pipelines `settings` ask for (see ./settings: the OTEL_* variables). */
export function startTelemetry(
  settings: TelemetrySettings,
  version: string,
  deploymentEnvironment: string,
  boundary: TrustBoundary = { traceContextFromClients: "trust", propagateTo: [] },
): Telemetry {
  const resource = serviceResource(settings.serviceName, version, deploymentEnvironment);
  const identity = identityOf(resource);
  if (settings.disabled) {
    const tracer = trace.getTracer(INSTRUMENTATION_SCOPE, version);
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE, version);
    return {
      settings,
      identity,
      tracer,
      meter,
      prometheus: undefined,
      spanTimeline: undefined,
      fetch,
      logSink: undefined,
      // Access lines are logs, not an OpenTelemetry signal: they stay. Below info there is nothing to write, and the
      // handler runs unwrapped.
      instrumentServer: (handler, log) =>
        log.isLevelEnabled("info") ? instrumentServer(handler, untracedInstrumentation(log, boundary)) : handler,
      useLogger: () => {},
      shutdown: async () => {},
    };
  }

  const metricsPipeline = startMetrics(settings, resource, { name: INSTRUMENTATION_SCOPE, version });
  const spanTimeline = new SpanTimeline();
  let log: Logger | undefined;
  const tracerProvider = startTracing(settings, resource, metricsPipeline?.provider, [spanTimeline], () => log);
  const logsPipeline = startLogs(settings, resource, () => log);

  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE, version);
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE, version);
  const serverDuration = metricsPipeline?.serverDuration;
  const clientDuration = metricsPipeline?.clientDuration;
  if (metricsPipeline) recordRuntimeMetrics(meter);
  const baggageDropped = metricsPipeline
    ? meter.createCounter("http.server.baggage.dropped", {
        unit: "{request}",
        description: "Requests whose incoming baggage was dropped because this service does not trust its clients",
      })
    : undefined;

  return {
    settings,
    identity,
    tracer,
    meter,
    prometheus: metricsPipeline?.prometheus,
    spanTimeline: tracerProvider ? spanTimeline : undefined,
    fetch: tracedFetch(tracerProvider ? tracer : undefined, clientDuration, fetch, new Set(boundary.propagateTo)),
    logSink: logsPipeline?.sink,
    instrumentServer: (handler, log) =>
      instrumentServer(handler, {
        tracer: tracerProvider ? tracer : undefined,
        duration: serverDuration,
        log,
        captureRequestHeaders: settings.captureRequestHeaders,
        captureResponseHeaders: settings.captureResponseHeaders,
        traceContextFromClients: boundary.traceContextFromClients,
        onBaggageDropped: baggageDropped && (() => baggageDropped.add(1)),
      }),
    useLogger(logger) {
      log = logger;
    },
    async shutdown() {
      const pipelines = [tracerProvider, logsPipeline?.provider, metricsPipeline?.provider].filter(
        (p) => p !== undefined,
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled(pipelines.map((p) => p.shutdown())),
        new Promise((resolve) => {
          timer = setTimeout(resolve, settings.shutdownTimeoutMillis);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
