// Helpers for configs.test.ts: YAML reading, compose mounts, PromQL metric names.
import { readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");

export function readYaml<T = unknown>(pathFromRoot: string): T {
  return Bun.YAML.parse(readFileSync(join(ROOT, pathFromRoot), "utf8")) as T;
}

/** The metric names the services expose on /metrics (README), plus Prometheus' own `up`. */
export const ALLOWED_METRICS = new Set([
  ...[
    "http_server_request_duration_seconds",
    "http_client_request_duration_seconds",
    "httpbin_latency_seconds",
  ].flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  "first_request_count_total",
  "process_memory_usage_bytes",
  "js_heap_used_bytes",
  "process_cpu_time_seconds_total",
  "eventloop_lag_seconds",
  "target_info",
  "otel_sdk_processor_span_processed_total",
  "otel_sdk_exporter_span_exported_total",
  "up",
]);

const PROMQL_KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan", "Inf", "NaN", "atan2"]);

/**
 * Metric names a PromQL expression selects. Strings, label matchers, ranges, grouping clauses and Grafana
 * variables are dropped first; what is left is functions (followed by "("), keywords, numbers and metric names.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\b(group_left|group_right)\b/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)) {
    const rest = bare.slice((m.index ?? 0) + m[0].length).trimStart();
    if (rest.startsWith("(") || PROMQL_KEYWORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

/** Every Prometheus query (expr) in a Grafana dashboard, from panels at any depth. */
export function promExprs(dashboard: unknown): string[] {
  const exprs: string[] = [];
  const walk = (node: unknown, datasourceType?: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, datasourceType);
      return;
    }
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    const own = (record.datasource as { type?: string } | undefined)?.type ?? datasourceType;
    if (typeof record.expr === "string" && own === "prometheus") exprs.push(record.expr);
    for (const value of Object.values(record)) walk(value, own);
  };
  walk(dashboard);
  return exprs;
}

/** "10s", "1m30s", "2h" → seconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  let matched = "";
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(m[1]) * (units[m[2] ?? ""] ?? Number.NaN);
    matched += m[0];
  }
  if (matched !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { type?: string; source?: string; target: string })[];
  ports?: (string | number)[];
  extra_hosts?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
}

export interface Mount {
  source: string;
  target: string;
}

/** A service's bind mounts, short ("./src:/dst:ro") or long syntax. */
export function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).flatMap((v) => {
    if (typeof v === "string") {
      const [source, target] = v.split(":");
      return source && target ? [{ source, target }] : [];
    }
    return v.source && (v.type ?? "bind") === "bind" ? [{ source: v.source, target: v.target }] : [];
  });
}

/** Where a path inside the service's container comes from on the host (deepest mount wins), if mounted. */
export function hostPathFor(service: ComposeService, containerPath: string): string | undefined {
  const path = posix.normalize(containerPath);
  const mount = mounts(service)
    .filter((m) => path === m.target || path.startsWith(`${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (!mount) return undefined;
  return join(ROOT, mount.source, path.slice(mount.target.length));
}
