import { describe, expect, test } from "bun:test";
import { LibsqlError } from "@libsql/client";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { Elysia, t } from "elysia";
import { HttpError } from "../http/errors";
import { MAX_JSON_DEPTH } from "../http/json-body";
import { errorOf } from "../http/outcome";
import { createLogger } from "../logging/logger";
import { createCpuProfiler } from "../profiling/cpu-profiler";
import { createServiceApp, type Readiness } from "./service-app";

function makeApp(readiness: Readiness = { draining: false, check: async () => {} }) {
  return createServiceApp({
    name: "test",
    bodyLimitBytes: 100,
    log: createLogger("test", "silent"),
    readiness,
    profiler: createCpuProfiler(),
  }).use(
    new Elysia()
      .post("/echo", ({ body }) => body, { body: t.Object({ a: t.String() }) })
      .post("/no-body", () => ({ ok: true }))
      .get("/teapot", () => {
        throw new HttpError(418, "teapot", "short and stout");
      })
      .get("/boom", () => {
        throw new Error("secret detail at /srv/app.ts:1");
      }),
  );
}

const url = (path: string) => `http://localhost${path}`;

describe("shared service app", () => {
  const app = makeApp();

  test("/health is 200 and /ready is 200 when the check passes", async () => {
    expect(await (await app.handle(new Request(url("/health")))).json()).toEqual({ status: "ok" });
    expect(await (await app.handle(new Request(url("/ready")))).json()).toEqual({ status: "ready" });
  });

  test("/ready is 503 JSON with the reason when the check fails, and while draining", async () => {
    const failing = makeApp({ draining: false, check: () => Promise.reject(new Error("db gone")) });
    const response = await failing.handle(new Request(url("/ready")));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: "not_ready", message: "db gone" } });

    const draining = makeApp({ draining: true, check: async () => {} });
    expect((await draining.handle(new Request(url("/ready")))).status).toBe(503);
  });

  test("HttpError maps to its status and code", async () => {
    const response = await app.handle(new Request(url("/teapot")));
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ error: { code: "teapot", message: "short and stout" } });
  });

  test("an unexpected error is a generic 500 with no detail", async () => {
    const response = await app.handle(new Request(url("/boom")));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(text).not.toContain("secret");
  });

  test("a short Host (http://ab/…) routes like any other", async () => {
    for (const host of ["x", "ab", "api", "first:5000", "[::1]:80"]) {
      const response = await app.handle(new Request(`http://${host}/teapot`));
      expect({ host, status: response.status }).toEqual({ host, status: 418 });
    }
  });

  test("a database failure is a 503 whose recorded error carries no query parameters", async () => {
    const base = createServiceApp({
      name: "test",
      bodyLimitBytes: 100,
      log: createLogger("test", "silent"),
      readiness: { draining: false, check: async () => {} },
      profiler: createCpuProfiler(),
    });
    const dbApp = base.use(
      new Elysia().post("/db-down", () => {
        const driver = new LibsqlError("file is not a database", "SQLITE_NOTADB");
        throw new DrizzleQueryError('insert into "items" ("name") values (?)', ["hunter2-in-a-body"], driver);
      }),
    );
    const request = new Request(url("/db-down"), { method: "POST" });
    const response = await dbApp.handle(request);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: "database_unavailable", message: "the database is unavailable" },
    });
    const recorded = errorOf(request) as HttpError;
    expect(recorded.code).toBe("database_unavailable");
    expect(`${recorded.message}\n${recorded.stack}`).not.toContain("hunter2");
  });

  test("unknown routes are 404 JSON", async () => {
    const response = await app.handle(new Request(url("/missing"), { method: "DELETE" }));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: "not_found", message: "no route matches this request" } });
  });

  test("a declared body over the limit is 413 before anything reads it", async () => {
    const response = await app.handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "101" },
        body: JSON.stringify({ a: "x".repeat(90) }),
      }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: "body_too_large", message: "request bodies are limited to 100 bytes" },
    });
  });

  test("a streamed body with no length is cut off at the limit with 413", async () => {
    const chunk = new TextEncoder().encode(`{"a":"${"x".repeat(200)}"}`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await app.handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        body,
      }),
    );
    expect(response.status).toBe(413);
  });

  test.each([
    ["{not json", "application/json", 400, "invalid_body"],
    ['{"a":1}', "application/json", 422, "validation_failed"],
    ["a=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"],
  ])("body %p (%s) → %d %s", async (body, type, status, code) => {
    const response = await app.handle(
      new Request(url("/echo"), { method: "POST", headers: { "content-type": type }, body }),
    );
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  test("a body nested deeper than the limit is a 400, not a stack overflow in validation", async () => {
    const bigApp = createServiceApp({
      name: "test",
      bodyLimitBytes: 1 << 20,
      log: createLogger("test", "silent"),
      readiness: { draining: false, check: async () => {} },
      profiler: createCpuProfiler(),
    }).use(new Elysia().post("/echo", ({ body }) => body, { body: t.Object({ a: t.String() }) }));
    const post = (body: string) =>
      bigApp.handle(
        new Request(url("/echo"), { method: "POST", headers: { "content-type": "application/json" }, body }),
      );

    const deep = await post(`{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({
      error: { code: "invalid_body", message: `the request body nests deeper than ${MAX_JSON_DEPTH} levels` },
    });
    // At the limit, and with brackets inside strings, it is still validated as usual.
    const atLimit = await post(`{"a":${"[".repeat(MAX_JSON_DEPTH - 1)}${"]".repeat(MAX_JSON_DEPTH - 1)}}`);
    expect(atLimit.status).toBe(422);
    expect((await post(`{"a":"${"[{".repeat(5000)}\\""}`)).status).toBe(200);
  });

  test("a route that takes no body accepts a bodiless POST", async () => {
    const response = await app.handle(new Request(url("/no-body"), { method: "POST" }));
    expect(response.status).toBe(200);
  });

  test("validation messages name the field, never echo the value", async () => {
    const secret = "hunter2-password";
    const response = await app.handle(
      new Request(url("/echo"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ a: 5, b: secret }),
      }),
    );
    const text = await response.text();
    expect(response.status).toBe(422);
    expect(JSON.parse(text).error.message).toBe("a must be a string");
    expect(text).not.toContain(secret);
  });
});
