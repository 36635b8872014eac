import { afterAll, describe, expect, test } from "bun:test";
import { freePort } from "../../tests/support/ports";
import { HttpError } from "./errors";
import { createUpstream } from "./upstream";

// A real HTTP server on loopback standing in for an upstream that misbehaves in each known way.
const upstream = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/ok") return Response.json({ method: request.method, body: await request.text() });
    if (path === "/fail") return Response.json({ error: { code: "x", message: "y" } }, { status: 500 });
    if (path === "/html") return new Response("<html>", { headers: { "content-type": "text/html" } });
    if (path === "/slow") await new Promise((r) => setTimeout(r, 2000));
    if (path === "/slow-body") {
      return new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode('{"partial":'));
            await new Promise((r) => setTimeout(r, 2000));
            controller.enqueue(new TextEncoder().encode("1}"));
            controller.close();
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    }
    return Response.json({});
  },
});
afterAll(() => upstream.stop(true));

const client = createUpstream({ name: "peer", baseUrl: `http://127.0.0.1:${upstream.port}`, timeoutMs: 300 });

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error("expected a failure");
}

describe("upstream client", () => {
  test("sends JSON and returns the parsed answer", async () => {
    expect(await client.json("PUT", "/ok", { a: 1 })).toEqual({ method: "PUT", body: '{"a":1}' });
  });

  test("a non-2xx answer is a 502 upstream_error naming the peer and status", async () => {
    const error = await failure(client.json("GET", "/fail"));
    expect([error.status, error.code, error.message]).toEqual([502, "upstream_error", "peer answered 500"]);
  });

  test("no answer within the timeout is a 504", async () => {
    const error = await failure(client.json("GET", "/slow"));
    expect([error.status, error.code]).toEqual([504, "upstream_timeout"]);
  });

  test("a body that stalls mid-way is bounded by the same timeout", async () => {
    const error = await failure(client.json("GET", "/slow-body"));
    expect([error.status, error.code]).toEqual([504, "upstream_timeout"]);
  });

  test("a refused connection is a 502 upstream_unreachable", async () => {
    const closed = createUpstream({ name: "gone", baseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 300 });
    const error = await failure(closed.json("GET", "/"));
    expect([error.status, error.code, error.message]).toEqual([502, "upstream_unreachable", "gone is unreachable"]);
  });

  test("an answer that is not JSON is a 502 upstream_invalid_response", async () => {
    const error = await failure(client.json("GET", "/html"));
    expect([error.status, error.code]).toEqual([502, "upstream_invalid_response"]);
  });
});
