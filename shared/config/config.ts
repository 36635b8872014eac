import { type CleanedEnv, cleanEnv, makeValidator, port, str, url, type ValidatorSpec } from "envalid";
import { DEFAULT_SAMPLE_HZ } from "../profiling/sample-rate";

// The one configuration system: every setting (the service's own, the shared ones and OpenTelemetry's) is a line
// in an envalid spec with its default and description; a service validates the union of its specs once, at
// start-up, and every bad variable is named in one line. docs/configuration.md is generated from these specs.

/** Raised when the environment does not describe a runnable service; the message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;
// biome-ignore lint/suspicious/noExplicitAny: envalid's own spec type is parameterised per variable.
export type ConfigSpec = Record<string, ValidatorSpec<any>>;
/** The validated values of a spec, typed from the spec itself. */
export type ConfigOf<S extends ConfigSpec> = CleanedEnv<S>;
/** Problems found across variables once each is valid on its own: [variable, reason]. */
export type ConfigCheck<S extends ConfigSpec> = (config: ConfigOf<S>) => Array<[string, string]>;

/** An integer within [min, max]; rejects "1.5", "1e3", " 7". */
export const intBetween = (min: number, max: number) =>
  makeValidator<number>((input) => {
    if (!/^-?\d+$/.test(input)) throw new Error(`expected an integer in ${min}..${max}`);
    const value = Number(input);
    if (value < min || value > max) throw new Error(`expected an integer in ${min}..${max}`);
    return value;
  });

/** A number within [min, max] ("0.25"). */
export const numberBetween = (min: number, max: number) =>
  makeValidator<number>((input) => {
    const value = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(input) ? Number(input) : Number.NaN;
    if (!(value >= min && value <= max)) throw new Error(`expected a number from ${min} to ${max}`);
    return value;
  });

/** `input` as a URL, or an error saying what was expected. */
function parseUrl(input: string, expected: string): URL {
  try {
    return new URL(input);
  } catch {
    throw new Error(expected);
  }
}

/** An http(s) URL. */
export const httpUrl = makeValidator<string>((input) => {
  const { protocol } = parseUrl(input, "expected an http(s) URL");
  if (protocol !== "http:" && protocol !== "https:") throw new Error("expected an http(s) URL");
  return input;
});

const splitList = (input: string) =>
  input
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

/** A comma-separated list, lower-cased, blanks dropped ("Authorization, X-Id" → ["authorization", "x-id"]). */
export const lowerCaseList = makeValidator<string[]>(splitList);

/** A comma-separated list of the given words ("otlp,prometheus"). */
export const listOf = <T extends string>(allowed: readonly T[]) =>
  makeValidator<T[]>((input) => {
    const items = splitList(input);
    for (const item of items) {
      if (!allowed.includes(item as T)) throw new Error(`expected a comma-separated list of ${allowed.join(", ")}`);
    }
    return items as T[];
  });

const DATABASE_SCHEMES = ["file:", "libsql:", "http:", "https:", "ws:", "wss:"];

/** A libSQL URL: `file:` (embedded) or a remote libSQL server (`libsql:`, `http(s):`, `ws(s):`). */
export const databaseUrl = makeValidator<string>((input) => {
  const parsed = parseUrl(input, "expected a URL such as file:data/app.db or libsql://host:8080");
  if (!DATABASE_SCHEMES.includes(parsed.protocol)) {
    throw new Error(`unsupported scheme ${parsed.protocol} (use ${DATABASE_SCHEMES.join(" ")})`);
  }
  if (parsed.protocol === "file:" && input.slice("file:".length).length === 0) {
    throw new Error("a file: URL needs a path");
  }
  return input;
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const TRACE_CONTEXT_POLICIES = ["trust", "link", "ignore"] as const;
export type TraceContextPolicy = (typeof TRACE_CONTEXT_POLICIES)[number];

/**
 * Variables every service understands; `service` names the owner of the default database file, `edge` is how far
 * the service trusts the trace context its clients send (docs/trust-boundaries.md).
 */
export function serviceSpec(service: string, defaultPort: number, edge: TraceContextPolicy) {
  return {
    PORT: port({ default: defaultPort, desc: "TCP port to listen on" }),
    HOST: str({ default: "0.0.0.0", desc: "interface to bind" }),
    ADMIN_PORT: port({
      default: undefined,
      desc: "when set, /metrics and /debug/pprof/* are served only on this port (the public PORT answers them 404)",
    }),
    ADMIN_HOST: str({ default: undefined, desc: "interface the ADMIN_PORT listener binds (default: HOST)" }),
    DATABASE_URL: databaseUrl({
      default: `file:data/${service}.db`,
      desc: "libSQL URL: file: (embedded, relative to the working directory) or libsql:/http(s): for a server",
    }),
    DATABASE_AUTH_TOKEN: str({ default: "", desc: "token for a remote libSQL server (never logged)" }),
    DATABASE_TIMEOUT_MS: intBetween(
      1,
      600_000,
    )({
      default: 5000,
      desc: "bound on every call to a remote libSQL server, its wait for a free slot and SQLITE_BUSY retries included",
    }),
    DATABASE_CONCURRENCY: intBetween(
      1,
      64,
    )({
      default: 2,
      desc: "calls in flight at once from this process to a remote libSQL server; the rest wait in order (docs/database.md: sizing against sqld)",
    }),
    UPSTREAM_TIMEOUT_MS: intBetween(1, 600_000)({ default: 5000, desc: "bound on every outgoing HTTP call" }),
    SHUTDOWN_GRACE_MS: intBetween(
      0,
      600_000,
    )({ default: 10_000, desc: "how long in-flight requests may run after SIGTERM" }),
    BODY_LIMIT_BYTES: intBetween(1, 64 * 1024 * 1024)({ default: 64 * 1024, desc: "largest accepted request body" }),
    LOG_LEVEL: str({ choices: LOG_LEVELS, default: "info", desc: "lowest level written to the JSON log" }),
    CPU_PROFILE_HZ: intBetween(
      1,
      1000,
    )({
      default: DEFAULT_SAMPLE_HZ,
      desc: "samples per second a CPU profile takes (/debug/pprof/profile); fewer cost less CPU while one runs (docs/profiling.md)",
    }),
    TRACE_CONTEXT_FROM_CLIENTS: str({
      choices: TRACE_CONTEXT_POLICIES,
      default: edge,
      desc: "incoming traceparent/baggage: trust (join the caller's trace), link (new trace linked to the caller's), ignore",
    }),
    PROPAGATE_TO: lowerCaseList({
      default: undefined,
      desc: "hosts (name or name:port) that outgoing calls send traceparent/baggage to; none for no host (default: first → SECOND_URL's host, second → none)",
    }),
    DEPLOY_ENV: str({
      default: "dev",
      desc: "deployment.environment.name on every signal; first's first.request.count `env` label",
    }),
  };
}

export type ServiceSpec = ReturnType<typeof serviceSpec>;
/** The settings every service has, typed from `serviceSpec`. */
export type ServiceConfig = ConfigOf<ServiceSpec>;

/** Values that are credentials: named in errors, never echoed. */
const isSecret = (name: string) => /(_TOKEN|_HEADERS|_PASSWORD|_SECRET)$/.test(name);

/**
 * Validates `env` against `spec` once, at start-up. Throws a ConfigError whose one-line message names each invalid
 * variable and why (secrets redacted). An empty variable counts as unset, as the OpenTelemetry specification says.
 */
export function parseConfig<S extends ConfigSpec>(env: Env, spec: S, check?: ConfigCheck<S>): ConfigOf<S> {
  const given: Env = {};
  for (const name of Object.keys(spec)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== "") given[name] = value;
  }
  const problems: string[] = [];
  const describe = (name: string, reason: string) => {
    const value = given[name];
    const shown = isSecret(name) ? "[redacted]" : JSON.stringify(value);
    problems.push(value === undefined ? `${name} is required (${reason})` : `${name}=${shown}: ${reason}`);
  };
  const config = cleanEnv(given, spec, {
    reporter: ({ errors }) => {
      for (const [name, error] of Object.entries(errors)) {
        describe(name, (error as Error).message.replace(/\s+/g, " ").trim());
      }
    },
  });
  if (problems.length === 0 && check) for (const [name, reason] of check(config)) describe(name, reason);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  return config;
}

export { str, url };
