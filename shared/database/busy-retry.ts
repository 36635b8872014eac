import { type Client, LibsqlError } from "@libsql/client";
import { withDeadline } from "./deadline";

const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 100;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` again while it fails with SQLITE_BUSY, pausing 5, 10, 20 … 100 ms (with jitter) between tries, until
 * `timeoutMs` after the first try, which also bounds every try's calls; then the last error is thrown. A statement
 * or batch refused with SQLITE_BUSY changed nothing (SQLite rolls the implicit transaction back), so trying it again
 * cannot write twice.
 */
export async function retryWhileBusy<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let wait = FIRST_PAUSE_MS; ; wait = Math.min(wait * 2, LONGEST_PAUSE_MS)) {
    try {
      // Every try's HTTP call ends by the first try's deadline (bounded-fetch.ts reads it).
      return await withDeadline(deadline, call);
    } catch (error) {
      const jittered = wait / 2 + Math.random() * wait;
      const busy = error instanceof LibsqlError && error.code === "SQLITE_BUSY";
      if (!busy || performance.now() + jittered >= deadline) throw error;
      await pause(jittered);
    }
  }
}

/**
 * Makes `client`'s execute and batch ride out SQLITE_BUSY within `timeoutMs`: a libSQL server answers it to some
 * writes whenever several arrive at once (two replicas are enough; docs/database.md, "Sizing against sqld").
 */
export function retryBusyStatements(client: Client, timeoutMs: number): Client {
  const execute = client.execute.bind(client) as (...args: unknown[]) => ReturnType<Client["execute"]>;
  const batch = client.batch.bind(client);
  return Object.assign(client, {
    execute: (...args: unknown[]) => retryWhileBusy(() => execute(...args), timeoutMs),
    batch: (...args: Parameters<Client["batch"]>) => retryWhileBusy(() => batch(...args), timeoutMs),
  });
}
