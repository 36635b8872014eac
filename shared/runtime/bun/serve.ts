// Serving on Bun: Bun.serve, with port sharing off, an idle timeout (long-running paths exempt) and
// `Connection: close` on every response once stopping.
import type { Listen } from "../types";

/** Seconds a connection may stay silent: bounds slow and held-open clients. */
const IDLE_TIMEOUT_SECONDS = 30;

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return url.slice(start, query < 0 ? undefined : query);
}

/** `response` with `Connection: close` (a copy when its headers are immutable, as a fetch() response's are). */
function withConnectionClose(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}

export const listen: Listen = (handler, { port, hostname, maxRequestBodySize, longRunningPaths = [] }) => {
  let stopping = false;
  // Once stopping, every response closes its connection. Otherwise Bun ends a keep-alive connection right after the
  // in-flight response it was waiting for, and the request the client has meanwhile sent on it is reset unanswered.
  const closingWhenStopping = (response: Response) => (stopping ? withConnectionClose(response) : response);
  const server = Bun.serve({
    port,
    hostname,
    // A stale process must not silently share the port (Bun's reusePort would allow it).
    reusePort: false,
    maxRequestBodySize,
    idleTimeout: IDLE_TIMEOUT_SECONDS,
    development: false,
    fetch: (request, server) => {
      if (longRunningPaths.length > 0 && longRunningPaths.includes(pathOf(request.url))) server.timeout(request, 0);
      return handler(request, () => server.requestIP(request)?.address).then(closingWhenStopping);
    },
  });
  return {
    port: server.port ?? port,
    stop: (force) => {
      stopping = true;
      return server.stop(force);
    },
  };
};
