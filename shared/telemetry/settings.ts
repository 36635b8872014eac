import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { bool, makeValidator, str } from "envalid";
import {
  type ConfigCheck,
  type ConfigOf,
  type Env,
  httpUrl,
  intBetween,
  listOf,
  lowerCaseList,
  numberBetween,
  parseConfig,
} from "../config/config";

// The OpenTelemetry environment variables twinbin honours, on the same validation as every other setting. OTel JS
// 3.x SDK packages no longer read most of these themselves (sampler, batch processor, exporter selection), so this
// is the one place that does.

export type OtlpProtocol = "http/protobuf" | "http/json";
const PROTOCOLS = ["http/protobuf", "http/json"] as const;
const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** `key=value,key2=value2`, values percent-decoded (W3C Baggage octets, as OTEL_*_HEADERS are written). */
const keyValuePairs = makeValidator<Record<string, string>>((input) => {
  const wellFormed = input.split(",").every((pair) => pair.trim() === "" || /^\s*[^=\s][^=]*=/.test(pair));
  if (!wellFormed) throw new Error("expected key=value pairs separated by commas");
  return parseKeyPairsIntoRecord(input);
});

const MAX = 2 ** 31 - 1;
const optionalUrl = (desc: string) => httpUrl({ default: undefined, desc });
const optionalHeaders = (desc: string) => keyValuePairs({ default: undefined, desc });
const optionalProtocol = (desc: string) => str({ choices: PROTOCOLS, default: undefined, desc });

/** One line per variable; adding a variable is adding a line here (and using it below). */
export const otelSpec = {
  OTEL_SDK_DISABLED: bool({
    default: false,
    desc: "true turns every OpenTelemetry signal off (no spans, metrics or OTLP logs); JSON logs stay on",
  }),
  OTEL_SERVICE_NAME: str({ default: undefined, desc: "service.name (default: the service's own name)" }),
  OTEL_RESOURCE_ATTRIBUTES: keyValuePairs({ default: {}, desc: "extra resource attributes, key=value,…" }),
  OTEL_PROPAGATORS: listOf(["tracecontext", "baggage", "none"] as const)({
    default: ["tracecontext", "baggage"],
    desc: "context read from requests and sent on calls: tracecontext, baggage, or none",
  }),
  OTEL_TRACES_EXPORTER: listOf(["otlp", "none"] as const)({ default: ["otlp"], desc: "otlp or none" }),
  OTEL_METRICS_EXPORTER: listOf(["prometheus", "otlp", "none"] as const)({
    default: ["prometheus"],
    desc: "any of prometheus (GET /metrics), otlp; or none",
  }),
  OTEL_LOGS_EXPORTER: listOf(["otlp", "none"] as const)({ default: ["none"], desc: "otlp also sends log lines" }),
  OTEL_TRACES_SAMPLER: str({ choices: SAMPLERS, default: "parentbased_always_on", desc: "head sampler" }),
  OTEL_TRACES_SAMPLER_ARG: numberBetween(0, 1)({ default: 1, desc: "ratio for the traceidratio samplers" }),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl({
    default: "http://localhost:4318",
    desc: "OTLP/HTTP base URL; /v1/traces, /v1/metrics, /v1/logs are appended",
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl("full URL for spans (overrides the base)"),
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: optionalUrl("full URL for metrics (overrides the base)"),
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: optionalUrl("full URL for logs (overrides the base)"),
  OTEL_EXPORTER_OTLP_HEADERS: optionalHeaders("headers on every export, key=value,… (never logged)"),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: optionalHeaders("extra headers for span exports"),
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: optionalHeaders("extra headers for metric exports"),
  OTEL_EXPORTER_OTLP_LOGS_HEADERS: optionalHeaders("extra headers for log exports"),
  OTEL_EXPORTER_OTLP_PROTOCOL: str({
    choices: PROTOCOLS,
    default: "http/protobuf",
    desc: "http/protobuf or http/json (grpc is not bundled)",
  }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optionalProtocol("protocol for spans (overrides the general one)"),
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: optionalProtocol("protocol for metrics"),
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: optionalProtocol("protocol for logs"),
  OTEL_BSP_SCHEDULE_DELAY: intBetween(0, MAX)({ default: 5000, desc: "ms between span exports" }),
  OTEL_BSP_EXPORT_TIMEOUT: intBetween(1, MAX)({ default: 30_000, desc: "ms one span export may take" }),
  OTEL_BSP_MAX_QUEUE_SIZE: intBetween(1, MAX)({ default: 2048, desc: "spans held for export; more are dropped" }),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: intBetween(1, MAX)({ default: 512, desc: "spans per export (≤ the queue size)" }),
  OTEL_BLRP_SCHEDULE_DELAY: intBetween(0, MAX)({ default: 1000, desc: "ms between log exports" }),
  OTEL_BLRP_EXPORT_TIMEOUT: intBetween(1, MAX)({ default: 30_000, desc: "ms one log export may take" }),
  OTEL_BLRP_MAX_QUEUE_SIZE: intBetween(1, MAX)({ default: 2048, desc: "log records held for export" }),
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: intBetween(1, MAX)({ default: 512, desc: "log records per export" }),
  // The exporters would honour these; the histograms /metrics and OTLP share are cumulative with explicit buckets,
  // so any other value is refused at start-up rather than ignored.
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: str({
    choices: ["cumulative"],
    default: "cumulative",
    desc: "cumulative only (delta and lowmemory are refused: /metrics and OTLP share cumulative histograms)",
  }),
  OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: str({
    choices: ["explicit_bucket_histogram"],
    default: "explicit_bucket_histogram",
    desc: "explicit_bucket_histogram only (exponential histograms are refused)",
  }),
  OTEL_METRIC_EXPORT_INTERVAL: intBetween(1, MAX)({ default: 60_000, desc: "ms between OTLP metric exports" }),
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_REQUEST_HEADERS: lowerCaseList({
    default: [],
    desc: "request headers recorded as http.request.header.* (credentials never)",
  }),
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_RESPONSE_HEADERS: lowerCaseList({
    default: [],
    desc: "response headers recorded as http.response.header.*",
  }),
  OTEL_SHUTDOWN_TIMEOUT_MS: intBetween(1, MAX)({ default: 3000, desc: "bound on flushing telemetry at shutdown" }),
};

export type OtelSpec = typeof otelSpec;
export type OtelConfig = ConfigOf<OtelSpec>;

/** Checks across variables: a batch never larger than its queue. */
export const checkOtel: ConfigCheck<OtelSpec> = (config) => {
  const problems: Array<[string, string]> = [];
  for (const prefix of ["OTEL_BSP", "OTEL_BLRP"] as const) {
    if (config[`${prefix}_MAX_EXPORT_BATCH_SIZE`] > config[`${prefix}_MAX_QUEUE_SIZE`]) {
      problems.push([`${prefix}_MAX_EXPORT_BATCH_SIZE`, `expected at most ${prefix}_MAX_QUEUE_SIZE`]);
    }
  }
  return problems;
};

export interface OtlpTarget {
  url: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
}

export interface BatchSettings {
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  maxQueueSize: number;
  maxExportBatchSize: number;
}

/** The OTEL_* variables shaped for the pipelines that use them. */
export type PropagatorName = "tracecontext" | "baggage";

export interface TelemetrySettings {
  disabled: boolean;
  serviceName: string;
  /** W3C propagators in use; empty with OTEL_PROPAGATORS=none. */
  propagators: PropagatorName[];
  traces: {
    exporter: "otlp" | "none";
    otlp: OtlpTarget;
    sampler: SamplerName;
    samplerArg: number;
    batch: BatchSettings;
  };
  metrics: { prometheus: boolean; otlp: OtlpTarget | undefined; exportIntervalMillis: number };
  logs: { otlp: OtlpTarget | undefined; batch: BatchSettings };
  /** Lower-case header names recorded as http.request.header.* / http.response.header.* (never credentials). */
  captureRequestHeaders: string[];
  captureResponseHeaders: string[];
  /** Bound on flushing everything at shutdown, so a dead collector cannot hold the exit. */
  shutdownTimeoutMillis: number;
}

/** Where a signal goes: the signal-specific endpoint as given, or the base endpoint plus `/v1/<signal>`. */
function otlpTarget(config: OtelConfig, signal: "TRACES" | "METRICS" | "LOGS"): OtlpTarget {
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, "");
  return {
    url: config[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`] ?? `${base}/v1/${signal.toLowerCase()}`,
    headers: { ...config.OTEL_EXPORTER_OTLP_HEADERS, ...config[`OTEL_EXPORTER_OTLP_${signal}_HEADERS`] },
    protocol: config[`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`] ?? config.OTEL_EXPORTER_OTLP_PROTOCOL,
  };
}

function batch(config: OtelConfig, prefix: "OTEL_BSP" | "OTEL_BLRP"): BatchSettings {
  return {
    scheduledDelayMillis: config[`${prefix}_SCHEDULE_DELAY`],
    exportTimeoutMillis: config[`${prefix}_EXPORT_TIMEOUT`],
    maxQueueSize: config[`${prefix}_MAX_QUEUE_SIZE`],
    maxExportBatchSize: config[`${prefix}_MAX_EXPORT_BATCH_SIZE`],
  };
}

/** Shapes validated OTEL_* values for the pipelines. */
export function telemetrySettings(config: OtelConfig, defaultServiceName: string): TelemetrySettings {
  const metricExporters = config.OTEL_METRICS_EXPORTER;
  return {
    disabled: config.OTEL_SDK_DISABLED,
    propagators: config.OTEL_PROPAGATORS.includes("none")
      ? []
      : config.OTEL_PROPAGATORS.filter((name): name is PropagatorName => name !== "none"),
    serviceName: config.OTEL_SERVICE_NAME ?? config.OTEL_RESOURCE_ATTRIBUTES["service.name"] ?? defaultServiceName,
    traces: {
      exporter: config.OTEL_TRACES_EXPORTER.includes("otlp") ? "otlp" : "none",
      otlp: otlpTarget(config, "TRACES"),
      sampler: config.OTEL_TRACES_SAMPLER,
      samplerArg: config.OTEL_TRACES_SAMPLER_ARG,
      batch: batch(config, "OTEL_BSP"),
    },
    metrics: {
      prometheus: metricExporters.includes("prometheus"),
      otlp: metricExporters.includes("otlp") ? otlpTarget(config, "METRICS") : undefined,
      exportIntervalMillis: config.OTEL_METRIC_EXPORT_INTERVAL,
    },
    logs: {
      otlp: config.OTEL_LOGS_EXPORTER.includes("otlp") ? otlpTarget(config, "LOGS") : undefined,
      batch: batch(config, "OTEL_BLRP"),
    },
    captureRequestHeaders: config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_REQUEST_HEADERS,
    captureResponseHeaders: config.OTEL_INSTRUMENTATION_HTTP_CAPTURE_RESPONSE_HEADERS,
    shutdownTimeoutMillis: config.OTEL_SHUTDOWN_TIMEOUT_MS,
  };
}

/** The OTEL_* variables alone, validated and shaped (for tools and tests that start telemetry without a service). */
export const parseTelemetrySettings = (env: Env, defaultServiceName: string): TelemetrySettings =>
  telemetrySettings(parseConfig(env, otelSpec, checkOtel), defaultServiceName);
