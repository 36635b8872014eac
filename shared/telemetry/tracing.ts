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
  const exporterConfig = { url, headers, ...(selfObsMeterProvider ? { selfObsMeterProvider } : {}) };
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
    ...(selfObsMeterProvider ? { meterProvider: selfObsMeterProvider } : {}),
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}
