import { OTLPMetricExporterBase, type OTLPMetricExporterOptions } from "@opentelemetry/exporter-metrics-otlp-http";
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from "@opentelemetry/otlp-exporter-base/node-http";
import {
  JsonMetricsSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
} from "@opentelemetry/otlp-transformer";
import { addJsonExemplars, addProtobufExemplars, withExemplars } from "./metric-exemplars";

/**
 * The SDK's OTLP/HTTP metric exporter (transport, retries, OTEL_EXPORTER_OTLP_* settings, temporality) built as
 * its own `OTLPMetricExporter` classes build it, with a serializer that adds the histogram exemplars.
 */
export function otlpMetricExporter(
  protocol: "http/protobuf" | "http/json",
  config: OTLPMetricExporterOptions,
): OTLPMetricExporterBase {
  const json = protocol === "http/json";
  const serializer = json
    ? withExemplars(JsonMetricsSerializer, addJsonExemplars)
    : withExemplars(ProtobufMetricsSerializer, addProtobufExemplars);
  const contentType = json ? "application/json" : "application/x-protobuf";
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions(config, "METRICS", "v1/metrics", { "Content-Type": contentType }),
    serializer,
    "otlp_http_metric_exporter",
    MetricsExporterMetricsHelper,
    undefined,
  );
  return new OTLPMetricExporterBase(delegate, config);
}
