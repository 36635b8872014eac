import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import type { MetricData, MetricProducer, ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { HistogramDataPointWithExemplars } from "./fast-histogram";

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

/** The exporter's private methods this module wraps (checked by the exposition tests, not by the compiler). */
interface SerializerInternals {
  _getPrometheusMetricName(metric: MetricData): string | undefined;
  _serializeMetricData(
    metric: MetricData,
    scope: unknown,
    name: string | undefined,
    metadata: { type: string; unit: string } | undefined,
    writeMetadata?: boolean,
  ): string;
  _serializeHistogramDataPoint(
    name: string,
    metric: MetricData,
    point: HistogramDataPointWithExemplars,
    extra: unknown,
  ): string;
}

/**
 * exporter-prometheus 0.301 drops the unit from metric names (spec: `_seconds`, `_bytes`), which breaks every
 * dashboard and alert written for semantic-convention metrics. This serializer adds it back by wrapping the one
 * naming method; a test pins the resulting names, so an exporter change that breaks this is caught.
 */
class UnitSuffixSerializer extends PrometheusSerializer {
  protected readonly internals = this as unknown as SerializerInternals;

  constructor() {
    super(undefined, false, undefined, false, false);
    const baseName = this.internals._getPrometheusMetricName.bind(this);
    this.internals._getPrometheusMetricName = (metric) => {
      const name = baseName(metric);
      return name === undefined ? undefined : withUnitSuffix(name, metric.descriptor.unit);
    };
  }
}

const NO_METRICS = "# no registered metrics";

/** `# TYPE`/`# HELP`/`# UNIT` lines, which OpenMetrics writes with the family name (a counter's without `_total`). */
const METADATA_LINE = /^# (HELP|TYPE|UNIT) (\S+) ?(.*)$/;

/**
 * OpenMetrics 1.0 text: the exporter's exposition with what OpenMetrics requires on top (family names without
 * `_total`, `# UNIT` only as the name's suffix, buckets before `_count`/`_sum`, `# EOF`) and each histogram
 * bucket's exemplar. The exporter writes text 0.0.4 only; Prometheus asks for this format first when scraping and
 * stores the exemplars (they never appear in 0.0.4, which has no syntax for them).
 */
class OpenMetricsSerializer extends UnitSuffixSerializer {
  constructor() {
    super();
    const metricData = this.internals._serializeMetricData.bind(this);
    this.internals._serializeMetricData = (metric, scope, name, metadata, writeMetadata) =>
      openMetricsHeader(metricData(metric, scope, name, metadata, writeMetadata), metadata);
    const histogramPoint = this.internals._serializeHistogramDataPoint.bind(this);
    this.internals._serializeHistogramDataPoint = (name, metric, point, extra) =>
      withExemplars(histogramPoint(name, metric, point, extra), point);
  }

  override serialize(resourceMetrics: ResourceMetrics): string {
    const text = super.serialize(resourceMetrics);
    return `${text.endsWith(NO_METRICS) ? text.slice(0, -NO_METRICS.length) : text}# EOF\n`;
  }
}

function openMetricsHeader(text: string, metadata: { type: string; unit: string } | undefined): string {
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    const meta = METADATA_LINE.exec(line);
    if (!meta) {
      lines.push(line);
      continue;
    }
    const [, keyword, sampleName = "", rest = ""] = meta;
    const family =
      metadata?.type === "counter" && sampleName.endsWith("_total")
        ? sampleName.slice(0, -"_total".length)
        : sampleName;
    if (keyword === "UNIT") {
      const suffix = UNIT_SUFFIXES[metadata?.unit ?? ""];
      if (suffix && family.endsWith(`_${suffix}`)) lines.push(`# UNIT ${family} ${suffix}`);
    } else if (keyword === "HELP") {
      lines.push(`# HELP ${family} ${rest.replaceAll('"', '\\"')}`);
    } else {
      lines.push(`# TYPE ${family} ${rest}`);
    }
  }
  return lines.join("\n");
}

/** Buckets (each with its exemplar, if any) first, then `_count` and `_sum`. */
function withExemplars(text: string, point: HistogramDataPointWithExemplars): string {
  const buckets: string[] = [];
  const totals: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (!line.includes("_bucket{")) {
      totals.push(line);
      continue;
    }
    const exemplar = point.bucketExemplars?.[buckets.length];
    buckets.push(
      exemplar
        ? `${line} # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${exemplar.value} ${(exemplar.timeUnixMs / 1000).toFixed(3)}`
        : line,
    );
  }
  return `${[...buckets, ...totals].join("\n")}\n`;
}

export type ExpositionFormat = "openmetrics" | "prometheus";

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
};

/** OpenMetrics when the Accept header lists it with a non-zero q, else Prometheus text 0.0.4. */
export function negotiateFormat(accept: string | null): ExpositionFormat {
  if (!accept) return "prometheus";
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    if (type !== "application/openmetrics-text") continue;
    const q = params.find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return "openmetrics";
  }
  return "prometheus";
}

/** A pull reader whose exposition Elysia serves on /metrics (no extra HTTP server). */
export class PrometheusEndpoint {
  readonly reader: PrometheusExporter;
  private readonly serializers = { prometheus: new UnitSuffixSerializer(), openmetrics: new OpenMetricsSerializer() };

  constructor(metricProducers: MetricProducer[] = []) {
    this.reader = new PrometheusExporter({ preventServerStart: true, metricProducers });
  }

  async render(format: ExpositionFormat = "prometheus"): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    // target_info is the resource: a scrape during start-up waits for the async detectors rather than publish
    // another target_info than every later scrape.
    await resourceMetrics.resource.waitForAsyncAttributes?.();
    return this.serializers[format].serialize(resourceMetrics as ResourceMetrics);
  }
}
