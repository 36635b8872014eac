import process from "node:process";
import { setImmediate } from "node:timers";
import type { DestinationStream } from "pino";

export interface TurnBatched extends DestinationStream {
  /** Hands what is gathered to the target now. */
  flush(): void;
}

/** Every batched stream, flushed when the process exits (one listener, however many loggers exist). */
const open = new Set<TurnBatched>();
let exitHooked = false;

/**
 * A stream that gathers the lines written during one turn of the event loop and hands them to `target` as one write
 * once the turn's work is done, and at once when the process exits. Under load one write(2) then carries the lines
 * of many requests, not one each: a write to a pipe costs several µs of kernel time, more than formatting the line.
 * Only a process killed outright (SIGKILL, OOM) can lose lines: those of the turn in progress.
 */
export function turnBatched(target: { write(chunk: string): unknown }): TurnBatched {
  let pending: string[] = [];
  let scheduled = false;
  const stream: TurnBatched = {
    write(line: string) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(stream.flush);
      }
    },
    flush() {
      scheduled = false;
      if (pending.length === 0) return;
      const lines = pending.length === 1 ? (pending[0] as string) : pending.join("");
      pending = [];
      target.write(lines);
    },
  };
  open.add(stream);
  if (!exitHooked) {
    exitHooked = true;
    const flushAll = () => {
      for (const batched of open) batched.flush();
    };
    process.once("exit", flushAll);
    // Bun emits "exit" when an uncaught error ends the process; Deno does not, but dispatches these events first
    // (listening does not stop the process from ending).
    if ("Deno" in globalThis) {
      globalThis.addEventListener("error", flushAll);
      globalThis.addEventListener("unhandledrejection", flushAll);
    }
  }
  return stream;
}
