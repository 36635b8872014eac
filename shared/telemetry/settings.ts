import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import { ConfigError, type Env } from "../config/config";

// The OpenTelemetry environment variables twinbin honours, parsed once. OTel JS 3.x SDK packages no longer read
// most of these themselves (sampler, batch processor, exporter selection), so this is the one place that does.

export type OtlpProtocol = "http/protobuf" | "http/json";
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

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

export interface TelemetrySettings {
  disabled: boolean;
  serviceName: string;
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

const SAMPLERS: SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

function fail(name: string, value: string, expected: string): never {
  throw new ConfigError(`invalid configuration: ${name}=${JSON.stringify(value)}: expected ${expected}`);
}

const text = (env: Env, name: string) => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

function integer(env: Env, name: string, fallback: number, min = 0): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) fail(name, raw, `an integer ≥ ${min}`);
  return Number(raw);
}

function list(env: Env, name: string, fallback: string[], allowed: string[]): string[] {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const values = raw
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  for (const value of values) if (!allowed.includes(value)) fail(name, raw, `a list of ${allowed.join(", ")}`);
  return values;
}

function headers(env: Env, name: string): Record<string, string> {
  const raw = text(env, name);
  if (raw === undefined) return {};
  try {
    return parseKeyPairsIntoRecord(raw);
  } catch {
    return fail(name, "[redacted]", "key=value pairs separated by commas");
  }
}

function protocol(env: Env, signal: string): OtlpProtocol {
  const name = text(env, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`)
    ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const raw = text(env, name) ?? "http/protobuf";
  if (raw !== "http/protobuf" && raw !== "http/json")
    fail(name, raw, "http/protobuf or http/json (grpc is not bundled)");
  return raw;
}

function url(name: string, raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    return raw;
  } catch {
    return fail(name, raw, "an http(s) URL");
  }
}

/** Where a signal goes: the signal-specific endpoint as given, or the base endpoint plus `/v1/<signal>`. */
function otlpTarget(env: Env, signal: "TRACES" | "METRICS" | "LOGS"): OtlpTarget {
  const specificName = `OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`;
  const specific = text(env, specificName);
  const base = text(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? "http://localhost:4318";
  const target = specific
    ? url(specificName, specific)
    : `${url("OTEL_EXPORTER_OTLP_ENDPOINT", base).replace(/\/$/, "")}/v1/${signal.toLowerCase()}`;
  return {
    url: target,
    headers: { ...headers(env, "OTEL_EXPORTER_OTLP_HEADERS"), ...headers(env, `OTEL_EXPORTER_OTLP_${signal}_HEADERS`) },
    protocol: protocol(env, signal),
  };
}

function batch(env: Env, prefix: "OTEL_BSP" | "OTEL_BLRP", scheduleDefault: number): BatchSettings {
  const settings = {
    scheduledDelayMillis: integer(env, `${prefix}_SCHEDULE_DELAY`, scheduleDefault),
    exportTimeoutMillis: integer(env, `${prefix}_EXPORT_TIMEOUT`, 30_000, 1),
    maxQueueSize: integer(env, `${prefix}_MAX_QUEUE_SIZE`, 2048, 1),
    maxExportBatchSize: integer(env, `${prefix}_MAX_EXPORT_BATCH_SIZE`, 512, 1),
  };
  if (settings.maxExportBatchSize > settings.maxQueueSize) {
    fail(`${prefix}_MAX_EXPORT_BATCH_SIZE`, String(settings.maxExportBatchSize), `at most ${prefix}_MAX_QUEUE_SIZE`);
  }
  return settings;
}

function headerNames(env: Env, name: string): string[] {
  return (text(env, name) ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

export function parseTelemetrySettings(env: Env, defaultServiceName: string): TelemetrySettings {
  const disabled = (text(env, "OTEL_SDK_DISABLED") ?? "false").toLowerCase() === "true";
  const sampler = (text(env, "OTEL_TRACES_SAMPLER") ?? "parentbased_always_on").toLowerCase() as SamplerName;
  if (!SAMPLERS.includes(sampler)) fail("OTEL_TRACES_SAMPLER", sampler, SAMPLERS.join(", "));
  const ratioRaw = text(env, "OTEL_TRACES_SAMPLER_ARG");
  const samplerArg = ratioRaw === undefined ? 1 : Number(ratioRaw);
  if (!(samplerArg >= 0 && samplerArg <= 1)) fail("OTEL_TRACES_SAMPLER_ARG", ratioRaw ?? "", "a ratio from 0 to 1");

  const traceExporters = list(env, "OTEL_TRACES_EXPORTER", ["otlp"], ["otlp", "none"]);
  const metricExporters = list(env, "OTEL_METRICS_EXPORTER", ["prometheus"], ["prometheus", "otlp", "none"]);
  const logExporters = list(env, "OTEL_LOGS_EXPORTER", ["none"], ["otlp", "none"]);

  return {
    disabled,
    serviceName:
      text(env, "OTEL_SERVICE_NAME") ?? headers(env, "OTEL_RESOURCE_ATTRIBUTES")["service.name"] ?? defaultServiceName,
    traces: {
      exporter: traceExporters.includes("otlp") ? "otlp" : "none",
      otlp: otlpTarget(env, "TRACES"),
      sampler,
      samplerArg,
      batch: batch(env, "OTEL_BSP", 5000),
    },
    metrics: {
      prometheus: metricExporters.includes("prometheus"),
      otlp: metricExporters.includes("otlp") ? otlpTarget(env, "METRICS") : undefined,
      exportIntervalMillis: integer(env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000, 1),
    },
    logs: {
      otlp: logExporters.includes("otlp") ? otlpTarget(env, "LOGS") : undefined,
      batch: batch(env, "OTEL_BLRP", 1000),
    },
    captureRequestHeaders: headerNames(env, "OTEL_INSTRUMENTATION_HTTP_CAPTURE_REQUEST_HEADERS"),
    captureResponseHeaders: headerNames(env, "OTEL_INSTRUMENTATION_HTTP_CAPTURE_RESPONSE_HEADERS"),
    shutdownTimeoutMillis: integer(env, "OTEL_SHUTDOWN_TIMEOUT_MS", 3000, 1),
  };
}
