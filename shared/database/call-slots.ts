/**
 * At most `size` holders at once; the others wait in arrival order. A waiter whose signal aborts leaves the line
 * with the signal's reason, so one deadline covers the wait and the call that follows it.
 *
 * Hand-written because the libSQL client's own limiter (promise-limit) cannot drop a queued call: behind a stalled
 * server its queue would hold requests for many times their timeout.
 */
export class CallSlots {
  #free: number;
  /** Insertion-ordered, so the first entry is the longest waiter; deleting an aborted waiter is O(1). */
  readonly #waiting = new Set<() => void>();

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`slot count must be a positive integer, got ${size}`);
    this.#free = size;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Resolves with a release function once a slot is free; rejects with `signal.reason` if it aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.delete(grant);
        reject(signal.reason);
      };
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.#releaser());
      };
      this.#waiting.add(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A release that frees the slot once, however often it is called. */
  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.values().next();
      if (next.done) {
        this.#free++;
        return;
      }
      // The slot passes straight to the longest waiter.
      this.#waiting.delete(next.value);
      next.value();
    };
  }
}
