import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient, LibsqlError } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";

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

export function openDatabase<S extends Record<string, unknown>>(
  url: string,
  authToken: string,
  schema: S,
): Database<S> {
  const file = databaseFilePath(url);
  if (file) mkdirSync(dirname(file), { recursive: true });
  const client = createClient({ url, ...(authToken ? { authToken } : {}) });
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
 * The driver error behind a failed query, if that is what `error` is. Drizzle wraps it in an error whose message
 * carries the query parameters (user data), so callers log this one instead.
 */
export function databaseFailure(error: unknown): LibsqlError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof LibsqlError) return current;
  }
  return undefined;
}
