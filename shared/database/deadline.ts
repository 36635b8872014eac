import { AsyncLocalStorage } from "node:async_hooks";

const deadlines = new AsyncLocalStorage<number>();

/**
 * Runs `work` with every database call made inside it bounded by `deadline` (a `performance.now()` instant) as well
 * as by its own timeout. Deadlines nest: the earliest one enclosing a call wins.
 */
export function withDeadline<T>(deadline: number, work: () => T): T {
  return deadlines.run(Math.min(deadline, deadlines.getStore() ?? Number.POSITIVE_INFINITY), work);
}

/** Milliseconds left before the earliest enclosing deadline (≤ 0 once it has passed); undefined outside one. */
export function timeLeft(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - performance.now();
}
