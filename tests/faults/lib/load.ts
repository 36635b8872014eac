// Bounded client-side load: every loop stops at a request count, a time limit and (optionally) a condition,
// whichever comes first; every request has its own timeout. Timings are client-side, in milliseconds.

export interface Outcome {
  kind: string;
  /** performance.now() when the request started and when its answer (or failure) was complete. */
  start: number;
  end: number;
  ms: number;
  /** 0 when no HTTP answer arrived. */
  status: number;
  /** Why there was no answer (the runtime's error code), when status is 0. */
  error?: string;
  contentType: string;
  /** Parsed body when it was JSON. */
  body?: unknown;
}

/** One fetch, timed from the call to the end of the body, never throwing. */
export async function timedFetch(kind: string, url: string, init: RequestInit = {}, timeoutMs = 10_000) {
  const start = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    let body: unknown;
    if (contentType.startsWith("application/json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    const end = performance.now();
    return { kind, start, end, ms: end - start, status: response.status, contentType, body } satisfies Outcome;
  } catch (error) {
    const end = performance.now();
    const code = (error as { code?: unknown }).code;
    return {
      kind,
      start,
      end,
      ms: end - start,
      status: 0,
      error: typeof code === "string" ? code : (error as Error).name,
      contentType: "",
    } satisfies Outcome;
  }
}

export interface LoadOptions {
  concurrency: number;
  /** Upper bound on requests over all loops. */
  maxRequests: number;
  /** Upper bound on the run's duration. */
  maxMs: number;
  /** Issues request number `i` (0-based over all loops). */
  next(i: number): Promise<Outcome>;
}

export interface Load {
  /** Outcomes so far (grows while the load runs). */
  readonly outcomes: Outcome[];
  /** Asks the loops to stop after their current request; resolves with every outcome. */
  stop(): Promise<Outcome[]>;
  /** Resolves when the loops ended by themselves (count or time limit). */
  readonly done: Promise<Outcome[]>;
}

/** Starts `concurrency` request loops in the background. */
export function startLoad({ concurrency, maxRequests, maxMs, next }: LoadOptions): Load {
  const outcomes: Outcome[] = [];
  const deadline = performance.now() + maxMs;
  let issued = 0;
  let stopped = false;
  const loops = Array.from({ length: concurrency }, async () => {
    while (!stopped && issued < maxRequests && performance.now() < deadline) {
      outcomes.push(await next(issued++));
    }
  });
  const done = Promise.all(loops).then(() => outcomes);
  return {
    outcomes,
    done,
    stop() {
      stopped = true;
      return done;
    },
  };
}

export const runLoad = (options: LoadOptions) => startLoad(options).done;

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `count()` reaches `atLeast`, checked every 50 ms; throws naming `what` after `timeoutMs`. After a
 * scenario's usual load time, waiting for a number of requests keeps it as meaningful on a loaded machine.
 */
export async function untilCount(what: string, count: () => number, atLeast: number, timeoutMs = 25_000) {
  const deadline = performance.now() + timeoutMs;
  while (count() < atLeast) {
    if (performance.now() > deadline) throw new Error(`${what}: ${count()} of ${atLeast} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Counts of each key, for failure messages: {"502 upstream_unreachable": 12, …}. */
export function tally<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** "200", "502 upstream_unreachable", "ECONNRESET": what a request ended with, for tallies. */
export const outcomeKey = (o: Outcome) =>
  o.status === 0 ? `no answer (${o.error})` : `${o.status}${errorCode(o.body) ? ` ${errorCode(o.body)}` : ""}`;

/** The `code` of a `{"error":{"code","message"}}` body, if that is what `body` is. */
export function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === "string" ? error.code : undefined;
}

/** True if `body` is exactly the contract's error shape: {"error":{"code":string,"message":string}}. */
export function isErrorShape(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Object.keys(body).length !== 1) return false;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return false;
  const keys = Object.keys(error).sort();
  const { code, message } = error as { code?: unknown; message?: unknown };
  return keys.join(",") === "code,message" && typeof code === "string" && code !== "" && typeof message === "string";
}
