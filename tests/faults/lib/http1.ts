// node:http requests that know whether they got a connection: what "accepted" means when a server shuts down.
import http from "node:http";
import type { Outcome } from "./load";

export interface ConnectionOutcome extends Outcome {
  /** A TCP connection was established (fresh) or reused for this request. */
  connected: boolean;
  reused: boolean;
}

/** One request through `agent` (keep-alive or one connection per request), never throwing. */
export function requestVia(
  agent: http.Agent,
  keepAlive: boolean,
  port: number,
  method: string,
  path: string,
  kind: string,
  timeoutMs = 10_000,
): Promise<ConnectionOutcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const done = (fields: Partial<ConnectionOutcome>) => {
      if (settled) return;
      settled = true;
      const end = performance.now();
      resolve({
        kind,
        start,
        end,
        ms: end - start,
        status: 0,
        contentType: "",
        connected,
        reused: Boolean((request as { reusedSocket?: boolean }).reusedSocket),
        ...fields,
      });
    };
    const request = http.request(
      { host: "127.0.0.1", port, method, path, agent, headers: keepAlive ? {} : { connection: "close" } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const contentType = String(response.headers["content-type"] ?? "");
          let body: unknown;
          try {
            body = contentType.startsWith("application/json")
              ? JSON.parse(Buffer.concat(chunks).toString())
              : undefined;
          } catch {
            body = undefined;
          }
          done({ status: response.statusCode ?? 0, contentType, body });
        });
        response.on("error", (error) => done({ error: (error as { code?: string }).code ?? error.name }));
      },
    );
    request.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error("timeout")));
    request.on("error", (error) => done({ error: (error as { code?: string }).code ?? error.message }));
    request.end();
  });
}
