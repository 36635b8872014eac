import { context, type MeterProvider, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { LazyExporter } from "./lazy-exporter";
import { BoundedBatchSpanProcessor } from "./otlp/batch-span-processor";
import { type ExportStatusLog, HttpProtobufSpanExporter } from "./otlp/http-exporter";
import type { TelemetrySettings } from "./settings";

function sampler({ sampler, samplerArg }: TelemetrySettings["traces"]): Sampler {
  const ratio = new TraceIdRatioBasedSampler(samplerArg);
  switch (sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * How many exports the http/json exporter may have in flight: enough for a shutdown flush of a full queue (sent all
 * at once), and no more (its default, 30, would let a collector outage hold 30 batches in memory).
 */
export function exportConcurrency({ maxQueueSize, maxExportBatchSize }: TelemetrySettings["traces"]["batch"]): number {
  return Math.ceil(maxQueueSize / Math.max(1, maxExportBatchSize)) + 1;
}

/**
 * http/protobuf: twinbin's own encoder posting with fetch; http/json: the SDK's exporter, loaded only when chosen
 * (it and its serializer add start-up time and memory that the default protocol does not need).
 */
function spanExporter(
  settings: TelemetrySettings,
  selfObsMeterProvider: MeterProvider | undefined,
  log: () => ExportStatusLog | undefined,
): SpanExporter {
  const { url, headers, protocol } = settings.traces.otlp;
  const obs = selfObsMeterProvider ? { selfObsMeterProvider } : {};
  if (protocol === "http/json") {
    return new LazyExporter<ReadableSpan[]>(async () => {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
      return new OTLPTraceExporter({
        url,
        headers,
        concurrencyLimit: exportConcurrency(settings.traces.batch),
        ...obs,
      });
    });
  }
  return new HttpProtobufSpanExporter({
    url,
    headers,
    timeoutMillis: settings.traces.batch.exportTimeoutMillis,
    log,
    ...obs,
  });
}

/**
 * Registers the global context manager, the W3C propagators OTEL_PROPAGATORS names and, unless traces are off, a
 * tracer provider batching spans to OTLP/HTTP. The processor's queue is bounded: when the collector is slow or
 * down, spans are dropped (counted in otel_sdk_processor_span_processed{error_type="queue_full"}) instead of
 * piling up, and requests never wait on export. `log` (looked up when needed: the logger is made after telemetry)
 * hears when the collector stops and starts answering.
 */
export function startTracing(
  settings: TelemetrySettings,
  resource: Resource,
  selfObsMeterProvider: MeterProvider | undefined,
  extraProcessors: SpanProcessor[] = [],
  log: () => ExportStatusLog | undefined = () => undefined,
): TracerProvider | undefined {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: settings.propagators.map((name) =>
        name === "tracecontext" ? new W3CTraceContextPropagator() : new W3CBaggagePropagator(),
      ),
    }),
  );
  if (settings.traces.exporter === "none") return undefined;

  const provider = new TracerProvider({
    resource,
    sampler: sampler(settings.traces),
    spanProcessors: [
      new BoundedBatchSpanProcessor(
        spanExporter(settings, selfObsMeterProvider, log),
        settings.traces.batch,
        selfObsMeterProvider,
      ),
      ...extraProcessors,
    ],
    // No `meterProvider` here: the tracer's own counters (otel.sdk.span.started/live) cost three metric records
    // per span, which measured at a third of the throughput with traces and metrics both on. The processor's and
    // exporter's counters (dropped and failed spans) are per batch and stay.
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}
