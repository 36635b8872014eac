import type { Logger } from "../logging/logger";
import { type FetchHandler, listen } from "../runtime/runtime";
import { adminOnly, publicOnly } from "./admin-split";
import type { Readiness } from "./service-app";

export interface ServeOptions {
  handler: FetchHandler;
  port: number;
  hostname: string;
  maxRequestBodySize: number;
  longRunningPaths?: readonly string[];
  /** A second listener for /metrics and /debug/pprof/* (then no longer served on `port`); absent: one port. */
  admin?: { port: number; hostname: string } | undefined;
  graceMs: number;
  log: Logger;
  readiness: Readiness;
  /** Called first on shutdown: long-running responses (a CPU profile) that would otherwise hold the drain. */
  cutShort?: Array<() => void>;
  /** Run after the listener has stopped, in order (close the database, flush telemetry…). */
  closers: Array<() => unknown>;
}

export interface Serving {
  port: number;
  /** The admin listener's port, when there is one. */
  adminPort?: number | undefined;
  /** Drains and closes everything; safe to call more than once. Resolves when done. */
  shutdown(reason: string): Promise<void>;
}

/** Resolves true if `promise` settled within `ms`, false if the time ran out first. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}

/**
 * Starts listening, and on SIGTERM/SIGINT: report not-ready, stop accepting, let in-flight requests finish
 * within the grace period (then cut them off), run the closers and exit 0.
 */
export function serve({
  handler,
  port,
  hostname,
  maxRequestBodySize,
  longRunningPaths = [],
  admin,
  graceMs,
  log,
  readiness,
  cutShort = [],
  closers,
}: ServeOptions): Serving {
  const listener = listen(admin ? publicOnly(handler) : handler, {
    port,
    hostname,
    maxRequestBodySize,
    longRunningPaths,
  });
  const adminListener = admin && listen(adminOnly(handler), { ...admin, maxRequestBodySize, longRunningPaths });
  log.info({ port: listener.port, hostname, admin_port: adminListener?.port }, "listening");

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      readiness.draining = true;
      log.info({ reason, grace_ms: graceMs }, "shutting down");
      for (const cut of cutShort) cut();
      if (!(await settlesWithin(listener.stop(false), graceMs))) {
        log.warn({ grace_ms: graceMs }, "grace period over, closing the remaining connections");
        await listener.stop(true);
      }
      // Scrapes and profiles may run until the public side has drained; then they are cut off.
      await adminListener?.stop(true);
      for (const close of closers) {
        try {
          await close();
        } catch (error) {
          log.error({ err: error }, "error while closing");
        }
      }
      log.info("stopped");
    })();
    return stopping;
  };

  // `on`, not `once`: Ctrl-C under npm delivers SIGINT twice (from the terminal and forwarded), and an unhandled
  // second signal would kill the process mid-drain. The grace period bounds the shutdown instead.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      void shutdown(signal).then(() => process.exit(0));
    });
  }
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));

  return { port: listener.port, adminPort: adminListener?.port, shutdown };
}
