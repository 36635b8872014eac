// Helpers for configs.test.ts and tests/e2e/validate.test.ts: YAML reading, compose mounts, PromQL metric names,
// running the config checkers.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");

export function readYaml<T = unknown>(pathFromRoot: string): T {
  return Bun.YAML.parse(readFileSync(join(ROOT, pathFromRoot), "utf8")) as T;
}

/** The metric names the services expose on /metrics (docs/telemetry.md), plus Prometheus' own `up`. */
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

/** A binary from `variable`, else `fallback`; a failure saying how to get it when neither exists. */
export function builtBinary(variable: string, fallback: string): string {
  const fromEnv = process.env[variable];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${variable}=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (existsSync(fallback)) return fallback;
  throw new Error(
    `no ${posix.basename(fallback)} binary: set ${variable}, or run tools/stack/install.sh to build the native stack (expected at ${fallback})`,
  );
}

/** Runs a command from the repository root; fails with its whole output unless it exits 0. */
export function mustSucceed(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = process.env,
): string {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: "utf8", timeout: 30_000 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.error) throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${output}`);
  return output;
}

/** The environment without the variables our configs read, so that their defaults (the native values) apply. */
export function envWithout(prefixes: string[]): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !prefixes.some((p) => key.startsWith(p))));
}

/** A service of compose.yaml; a failure when it has none of that name. */
export function composeService(name: string): ComposeService {
  const s = readYaml<ComposeFile>("compose.yaml").services[name];
  if (!s) throw new Error(`compose.yaml has no service ${name}`);
  return s;
}
