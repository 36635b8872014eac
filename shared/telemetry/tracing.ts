import { context, type MeterProvider, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { Resource } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
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
 * How many exports may be in flight at once: enough for a shutdown flush of a full queue (sent all at once), and no
 * more. The exporter's default, 30, lets a collector outage hold 30 batches in memory besides the queue:
 * sdk-trace 3.1's BatchSpanProcessor starts two exports after each failed one (its `.catch` clears `_isExporting`
 * while the next export runs), so retrying exports double up to the limit: 15,360 spans, +80 MiB, with the defaults.
 */
export function exportConcurrency({ maxQueueSize, maxExportBatchSize }: TelemetrySettings["traces"]["batch"]): number {
  return Math.ceil(maxQueueSize / Math.max(1, maxExportBatchSize)) + 1;
}

/**
 * Registers the global context manager, W3C propagators (traceparent + baggage) and, unless traces are off, a
 * tracer provider batching spans to OTLP/HTTP. The processor's queue is bounded: when the collector is slow or
 * down, spans are dropped (counted in otel_sdk_processor_span_processed{error_type="queue_full"}) instead of
 * piling up, and requests never wait on export.
 */
export function startTracing(
  settings: TelemetrySettings,
  resource: Resource,
  selfObsMeterProvider: MeterProvider | undefined,
  extraProcessors: SpanProcessor[] = [],
): TracerProvider | undefined {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  if (settings.traces.exporter === "none") return undefined;

  const { url, headers, protocol } = settings.traces.otlp;
  const exporterConfig = {
    url,
    headers,
    concurrencyLimit: exportConcurrency(settings.traces.batch),
    ...(selfObsMeterProvider ? { selfObsMeterProvider } : {}),
  };
  const exporter =
    protocol === "http/json" ? new OTLPJsonTraceExporter(exporterConfig) : new OTLPProtoTraceExporter(exporterConfig);
  const provider = new TracerProvider({
    resource,
    sampler: sampler(settings.traces),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        ...settings.traces.batch,
        ...(selfObsMeterProvider ? { selfObsMeterProvider } : {}),
      }),
      ...extraProcessors,
    ],
    // No `meterProvider` here: the tracer's own counters (otel.sdk.span.started/live) cost three metric records
    // per span, which measured at a third of the throughput with traces and metrics both on. The processor's and
    // exporter's counters (dropped and failed spans) are per batch and stay.
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}
