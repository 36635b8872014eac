import { cleanEnv, makeValidator, port, str, url } from "envalid";

/** Raised when the environment does not describe a runnable service; the message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export type Env = Record<string, string | undefined>;

/** An integer within [min, max]; rejects "1.5", "1e3", "", " 7". */
export const intBetween = (min: number, max: number) =>
  makeValidator<number>((input) => {
    if (!/^-?\d+$/.test(input)) throw new Error(`expected an integer in ${min}..${max}`);
    const value = Number(input);
    if (value < min || value > max) throw new Error(`expected an integer in ${min}..${max}`);
    return value;
  });

const DATABASE_SCHEMES = ["file:", "libsql:", "http:", "https:", "ws:", "wss:"];

/** A libSQL URL: `file:` (embedded) or a remote libSQL server (`libsql:`, `http(s):`, `ws(s):`). */
export const databaseUrl = makeValidator<string>((input) => {
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error("expected a URL such as file:data/app.db or libsql://host:8080");
  }
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

/** Variables every service understands; `service` names the owner of the default database file. */
export function commonSpec(service: string, defaultPort: number) {
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
    DATABASE_AUTH_TOKEN: str({ default: "", desc: "token for a remote libSQL server" }),
    UPSTREAM_TIMEOUT_MS: intBetween(1, 600_000)({ default: 5000, desc: "bound on every outgoing call" }),
    SHUTDOWN_GRACE_MS: intBetween(
      0,
      600_000,
    )({
      default: 10_000,
      desc: "how long in-flight requests may run after SIGTERM",
    }),
    BODY_LIMIT_BYTES: intBetween(1, 64 * 1024 * 1024)({ default: 64 * 1024, desc: "largest accepted body" }),
    LOG_LEVEL: str({ choices: LOG_LEVELS, default: "info" }),
    DEPLOY_ENV: str({ default: "dev", desc: "deployment environment, as the `env` label of first.request.count" }),
  };
}

/**
 * Validates `env` against `spec` once, at start-up. Throws a ConfigError whose one-line message names each
 * invalid variable and why, instead of envalid's default multi-line report and process.exit.
 */
export function parseConfig<S extends Parameters<typeof cleanEnv>[1]>(env: Env, spec: S) {
  return cleanEnv(env, spec, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([name, error]) => {
        const given = env[name];
        const reason = (error as Error).message.replace(/\s+/g, " ").trim();
        return given === undefined ? `${name} is required (${reason})` : `${name}=${JSON.stringify(given)}: ${reason}`;
      });
      if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
    },
  });
}

export { url };
