import { CallSlots } from "./call-slots";
import { timeLeft } from "./deadline";

type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The fetch the libSQL client sends with: at most `concurrency` calls in flight, the others queued, and every call
 * given up `timeoutMs` after it was made (or at the enclosing deadline, if sooner: deadline.ts), its wait in the
 * queue included, so neither a stalled server nor a queue in front of it can hold a request past the bound. Each
 * statement or batch is one HTTP call (this project opens no interactive transactions, whose later calls would
 * queue behind calls waiting for their lock). sqld answers once the statement has run, so the slot is freed when
 * the response arrives.
 */
export function boundedFetch(timeoutMs: number, concurrency: number, send: Fetch = fetch): Fetch {
  const slots = new CallSlots(concurrency);
  return async (input, init) => {
    // Within a retry (busy-retry.ts), what is left of the first try's bound.
    const left = timeLeft();
    const bound = left === undefined ? timeoutMs : Math.min(timeoutMs, Math.floor(left));
    if (bound <= 0) throw new DOMException("The operation timed out.", "TimeoutError");
    const timeout = AbortSignal.timeout(bound);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const release = await slots.acquire(signal);
    try {
      return await send(input, { ...init, signal });
    } finally {
      release();
    }
  };
}
