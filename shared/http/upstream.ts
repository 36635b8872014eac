import { HttpError } from "./errors";

export interface UpstreamOptions {
  /** Shown in error messages: "second answered 500". */
  name: string;
  baseUrl: string;
  /** Bounds the whole call: connecting, waiting for headers and reading the body. */
  timeoutMs: number;
  /** The fetch to call through; telemetry hands in one that creates CLIENT spans. */
  fetch?: typeof fetch;
}

/** An upstream's non-2xx answer. */
export class UpstreamStatusError extends Error {
  override name = "UpstreamStatusError";
  constructor(readonly status: number) {
    super(`answered ${status}`);
  }
}

/** Maps any failure of an outgoing call to the 502/504 a caller of ours should see. */
export function upstreamFailure(name: string, timeoutMs: number, error: unknown): HttpError {
  if (error instanceof Error && error.name === "TimeoutError") {
    return new HttpError(504, "upstream_timeout", `${name} did not answer within ${timeoutMs} ms`, { cause: error });
  }
  if (error instanceof UpstreamStatusError) {
    return new HttpError(502, "upstream_error", `${name} answered ${error.status}`, { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new HttpError(502, "upstream_invalid_response", `${name} answered with invalid JSON`, { cause: error });
  }
  // The runtime's own fetch error (Bun: code "ConnectionRefused", Deno: TypeError): no answer.
  return new HttpError(502, "upstream_unreachable", `${name} is unreachable`, { cause: error });
}

export interface Upstream {
  readonly name: string;
  /** Sends `body` as JSON (when given) and returns the parsed JSON answer; failures are HttpErrors (502/504). */
  json<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T>;
}

const ACCEPT_JSON = { accept: "application/json" };
const SEND_JSON = { accept: "application/json", "content-type": "application/json" };

/**
 * A JSON client for one upstream service with the timeout and error mapping every call needs, on plain `fetch`: no
 * retries (a chain of services must not multiply load on a failing peer), one timeout over connecting, headers and
 * body. (ky did the same at ~10 µs of CPU per call, measured by bench/cost.ts; see docs/performance.md.)
 */
export function createUpstream({ name, baseUrl, timeoutMs, fetch: send = fetch }: UpstreamOptions): Upstream {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    name,
    async json<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
      // Not AbortSignal.timeout: its timer outlives the call, so under load tens of thousands of them stay pending
      // (one per call for `timeoutMs`); this one is cleared as soon as the answer is read.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new DOMException("upstream timeout", "TimeoutError")), timeoutMs);
      try {
        const response = await send(`${base}/${path.replace(/^\/+/, "")}`, {
          method,
          headers: body === undefined ? ACCEPT_JSON : SEND_JSON,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: abort.signal,
        });
        if (!response.ok) {
          await response.body?.cancel();
          throw new UpstreamStatusError(response.status);
        }
        return (await response.json()) as T;
      } catch (error) {
        throw upstreamFailure(name, timeoutMs, error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
