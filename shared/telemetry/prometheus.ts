import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { MetricData, MetricProducer, ResourceMetrics } from "@opentelemetry/sdk-metrics";

// OTel unit → Prometheus name suffix, per the OpenTelemetry "Prometheus and OpenMetrics compatibility" spec.
const UNIT_SUFFIXES: Record<string, string> = {
  s: "seconds",
  ms: "milliseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
};

/** `http_server_request_duration` + unit "s" → `http_server_request_duration_seconds` (before any `_total`). */
export function withUnitSuffix(name: string, unit: string): string {
  const suffix = UNIT_SUFFIXES[unit];
  if (!suffix) return name;
  const total = name.endsWith("_total");
  const base = total ? name.slice(0, -"_total".length) : name;
  if (base.endsWith(`_${suffix}`)) return name;
  return `${base}_${suffix}${total ? "_total" : ""}`;
}

/**
 * exporter-prometheus 0.301 drops the unit from metric names (spec: `_seconds`, `_bytes`), which breaks every
 * dashboard and alert written for semantic-convention metrics. This serializer adds it back by wrapping the one
 * naming method; a test pins the resulting names, so an exporter change that breaks this is caught.
 */
class UnitSuffixSerializer extends PrometheusSerializer {
  constructor() {
    super(undefined, false, undefined, false, false);
    const self = this as unknown as { _getPrometheusMetricName(metric: MetricData): string | undefined };
    const baseName = self._getPrometheusMetricName.bind(this);
    self._getPrometheusMetricName = (metric) => {
      const name = baseName(metric);
      return name === undefined ? undefined : withUnitSuffix(name, metric.descriptor.unit);
    };
  }
}

/** A pull reader whose exposition Elysia serves on /metrics (no extra HTTP server). */
export class PrometheusEndpoint {
  readonly reader: PrometheusExporter;
  private readonly serializer = new UnitSuffixSerializer();

  constructor(metricProducers: MetricProducer[] = []) {
    this.reader = new PrometheusExporter({ preventServerStart: true, metricProducers });
  }

  async render(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    return this.serializer.serialize(resourceMetrics as ResourceMetrics);
  }
}
