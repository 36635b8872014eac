import ky, { isHTTPError, isTimeoutError, type KyInstance } from "ky";
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

/** Maps any failure of an outgoing call to the 502/504 a caller of ours should see. */
export function upstreamFailure(name: string, timeoutMs: number, error: unknown): HttpError {
  if (isTimeoutError(error) || (error instanceof Error && error.name === "TimeoutError")) {
    return new HttpError(504, "upstream_timeout", `${name} did not answer within ${timeoutMs} ms`, { cause: error });
  }
  if (isHTTPError(error)) {
    return new HttpError(502, "upstream_error", `${name} answered ${error.response.status}`, { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new HttpError(502, "upstream_invalid_response", `${name} answered with invalid JSON`, { cause: error });
  }
  // ky's NetworkError, or the runtime's own fetch error (Bun: code "ConnectionRefused", Deno: TypeError): no answer.
  return new HttpError(502, "upstream_unreachable", `${name} is unreachable`, { cause: error });
}

export interface Upstream {
  readonly name: string;
  /** Sends `body` as JSON (when given) and returns the parsed JSON answer; failures are HttpErrors (502/504). */
  json<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T>;
}

/** A ky client for one upstream service with the timeout and error mapping every call needs. */
export function createUpstream({ name, baseUrl, timeoutMs, fetch }: UpstreamOptions): Upstream {
  const client: KyInstance = ky.create({
    prefix: baseUrl,
    timeout: timeoutMs,
    totalTimeout: timeoutMs,
    retry: 0,
    ...(fetch ? { fetch } : {}),
  });
  return {
    name,
    async json<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
      try {
        return await client(path, { method, ...(body === undefined ? {} : { json: body }) }).json<T>();
      } catch (error) {
        throw upstreamFailure(name, timeoutMs, error);
      }
    },
  };
}
