import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient, LibsqlError } from "@libsql/client";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { boundedFetch } from "./bounded-fetch";
import { retryBusyStatements } from "./busy-retry";

/** Path of an embedded `file:` database ("file:data/x.db" is relative to the working directory). */
export function databaseFilePath(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  if (url.startsWith("file://")) return fileURLToPath(url.split("?")[0] as string);
  return (url.slice("file:".length).split("?")[0] as string) || undefined;
}

export interface Database<S extends Record<string, unknown>> {
  client: Client;
  db: LibSQLDatabase<S>;
  /** Rejects unless the database answers a read of its schema page within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface RemoteLimits {
  /** Bound on every call, from the moment it is made. */
  timeoutMs: number;
  /** Calls in flight at once from this process; the rest wait in order. */
  concurrency: number;
}

/**
 * Opens the embedded file (creating its directory) or connects to a remote libSQL server, whose HTTP calls are
 * bounded by `limits`.
 */
export function openDatabase<S extends Record<string, unknown>>(
  url: string,
  authToken: string,
  schema: S,
  limits: RemoteLimits = { timeoutMs: 5000, concurrency: 2 },
): Database<S> {
  const file = databaseFilePath(url);
  if (file) mkdirSync(dirname(file), { recursive: true });
  const client = createClient({
    url,
    ...(authToken ? { authToken } : {}),
    // The client's own limiter (20 by default; 0 means 20 too) is lifted so that calls queue in boundedFetch,
    // where the wait counts against the timeout.
    ...(file ? {} : { fetch: boundedFetch(limits.timeoutMs, limits.concurrency), concurrency: Infinity }),
  });
  if (!file) retryBusyStatements(client, limits.timeoutMs);
  return {
    client,
    db: drizzle(client, { schema }),
    async ping(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        // Reading sqlite_schema touches page 1, so a corrupt or vanished file fails here, unlike `SELECT 1`.
        await Promise.race([client.execute("SELECT count(*) FROM sqlite_schema"), timeout]);
      } catch (error) {
        throw new Error(`database unavailable: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => client.close(),
  };
}

/**
 * What went wrong with the database, if `error` is a failed query: the driver's code and message. Drizzle wraps
 * driver errors in one whose message carries the query parameters (user data), so that wrapper is never reported.
 */
export function databaseFailure(error: unknown): { code: string; reason: string } | undefined {
  let driverError: LibsqlError | undefined;
  let wrapped = false;
  let innermost: Error | undefined;
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof LibsqlError) driverError ??= current;
    if (current instanceof DrizzleQueryError) wrapped = true;
    else innermost = current;
  }
  if (driverError) return { code: driverError.code, reason: driverError.message };
  if (wrapped && innermost) return { code: innermost.name, reason: innermost.message };
  return undefined;
}

/** A database URL fit to print: no credentials, no query (which may carry authToken). */
export function databaseUrlForDisplay(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol === "file:") return `file:${raw.slice(5).split("?")[0]}`;
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
