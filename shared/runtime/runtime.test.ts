import { describe, expect, test } from "bun:test";
import http from "node:http";
import { connect } from "node:net";
import { type FetchHandler, listen } from "./runtime";

/** Sends raw bytes and resolves with everything the server wrote before closing (or after `ms`). */
function exchange(port: number, bytes: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    let received = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (received.includes("\r\n\r\n") && received.endsWith("}")) socket.destroy();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on("error", () => {});
  });
}

describe("listen (Bun)", () => {
  test("responses finished after stop() close their keep-alive connection, so no client reuses it", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const handler: FetchHandler = async () => {
      entered();
      await gate;
      return Response.json({ ok: true });
    };
    const listener = listen(handler, { port: 0, hostname: "127.0.0.1", maxRequestBodySize: 1 << 20 });
    const agent = new http.Agent({ keepAlive: true });
    const response = new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: "127.0.0.1", port: listener.port, path: "/", agent }, resolve).on("error", reject),
    );
    await inHandler;
    const stopped = listener.stop(false);
    release();
    const answer = await response;
    answer.resume();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers.connection).toBe("close");
    await stopped;
    agent.destroy();
  });

  test("with the transport's cap out of reach, a huge declared body gets the app's JSON 413, not Bun's bare one", async () => {
    const handler: FetchHandler = async (request) =>
      Number(request.headers.get("content-length")) > 1000
        ? Response.json({ error: { code: "body_too_large", message: "too large" } }, { status: 413 })
        : Response.json({ ok: true });
    const request = (length: number) =>
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"a":`;

    const capped = listen(handler, { port: 0, hostname: "127.0.0.1", maxRequestBodySize: 1 << 20 });
    const uncapped = listen(handler, { port: 0, hostname: "127.0.0.1", maxRequestBodySize: Number.MAX_SAFE_INTEGER });
    try {
      // What a cap within reach does: Bun answers by itself, without the error body the contract promises.
      const bare = await exchange(capped.port, request(2_000_000));
      expect(bare).toStartWith("HTTP/1.1 413");
      expect(bare).not.toContain("body_too_large");
      for (const length of [2_000_000, 5_000_000_000]) {
        const answer = await exchange(uncapped.port, request(length));
        expect(answer).toStartWith("HTTP/1.1 413");
        expect(answer).toContain('{"error":{"code":"body_too_large"');
      }
    } finally {
      await Promise.all([capped.stop(true), uncapped.stop(true)]);
    }
  });
});
