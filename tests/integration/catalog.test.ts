// The catalog (first) / inventory (second) flow across both compiled binaries on real libSQL files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Service, startBinary } from "../support/processes";
import { launchers, RUNTIME, SETUP_TIMEOUT_MS } from "../support/services";

let bins: { first: string[]; second: string[] };
const running: Service[] = [];

async function start(binary: string[], env: Record<string, string> = {}, cwd?: string) {
  const service = await startBinary(binary, env, cwd);
  running.push(service);
  return service;
}

const json = (method: string, body: unknown) => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  bins = await launchers();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
});

describe(`catalog and inventory (${RUNTIME})`, () => {
  test("items with stock in second are available, with their quantity; data survives a restart", async () => {
    const second = await start(bins.second);
    const first = await start(bins.first, { SECOND_URL: second.url });

    const created = [];
    for (const item of [
      { name: "kettle", price: 24.5 },
      { name: "mug", price: 6 },
      { name: "teapot", price: 31 },
    ]) {
      const response = await fetch(`${first.url}/items`, json("POST", item));
      expect(response.status).toBe(201);
      created.push((await response.json()) as { id: number; name: string; price: number });
    }
    expect(created.map((i) => i.name)).toEqual(["kettle", "mug", "teapot"]);
    const [kettle, mug, teapot] = created as [(typeof created)[0], (typeof created)[0], (typeof created)[0]];

    for (const [id, quantity] of [
      [kettle.id, 3],
      [mug.id, 0],
      [teapot.id, 7],
    ]) {
      const response = await fetch(`${second.url}/stocks/${id}`, json("PUT", { quantity }));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ itemId: id, quantity });
    }

    const available = await fetch(`${first.url}/items/available`).then((r) => r.json());
    expect(available).toEqual({
      items: [
        { ...kettle, quantity: 3 },
        { ...teapot, quantity: 7 },
      ],
    });

    // The embedded default database is data/<service>.db under the working directory, and it persists.
    expect(existsSync(join(first.cwd, "data/first.db"))).toBe(true);
    expect(existsSync(join(second.cwd, "data/second.db"))).toBe(true);
    expect(await first.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const again = await start(bins.first, { SECOND_URL: second.url }, first.cwd);
    expect(await fetch(`${again.url}/items`).then((r) => r.json())).toEqual({ items: created });
  });

  test("bad input is a 4xx JSON error and stores nothing", async () => {
    const second = await start(bins.second);
    const first = await start(bins.first, { SECOND_URL: second.url, BODY_LIMIT_BYTES: "1024" });

    const cases: [string, RequestInit, number, string][] = [
      [`${first.url}/items`, json("POST", { name: "", price: 1 }), 422, "validation_failed"],
      [`${first.url}/items`, json("POST", { name: "x".repeat(65), price: 1 }), 422, "validation_failed"],
      [`${first.url}/items`, json("POST", { name: "x", price: -1 }), 422, "validation_failed"],
      [`${first.url}/items`, json("POST", { name: "x" }), 422, "validation_failed"],
      [
        `${first.url}/items`,
        { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
        400,
        "invalid_body",
      ],
      [
        `${first.url}/items`,
        { method: "POST", headers: { "content-type": "text/plain" }, body: "x" },
        415,
        "unsupported_media_type",
      ],
      [`${first.url}/items`, json("POST", { name: "x".repeat(2000), price: 1 }), 413, "body_too_large"],
      [`${second.url}/stocks/abc`, json("PUT", { quantity: 1 }), 400, "bad_request"],
      [`${second.url}/stocks/0`, json("PUT", { quantity: 1 }), 400, "bad_request"],
      [`${second.url}/stocks/1`, json("PUT", { quantity: 1.5 }), 422, "validation_failed"],
      [`${second.url}/stocks/1`, json("PUT", { quantity: -2 }), 422, "validation_failed"],
      [`${first.url}/nope`, {}, 404, "not_found"],
    ];
    for (const [url, init, status, code] of cases) {
      const response = await fetch(url, init);
      expect({ url, status: response.status }).toEqual({ url, status });
      expect(response.headers.get("content-type")).toStartWith("application/json");
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toContain("at ");
    }
    expect(await fetch(`${first.url}/items`).then((r) => r.json())).toEqual({ items: [] });
    expect(await fetch(`${second.url}/stocks`).then((r) => r.json())).toEqual({ stocks: [] });
  });

  test("/items/available is a 502 when second is down, and the catalog itself still answers", async () => {
    const second = await start(bins.second);
    const first = await start(bins.first, { SECOND_URL: second.url });
    await second.stop("SIGTERM");
    const response = await fetch(`${first.url}/items/available`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_unreachable");
    expect((await fetch(`${first.url}/items`)).status).toBe(200);
  });

  test("/ready turns 503 when the database file is unusable, while /health stays 200", async () => {
    const first = await start(bins.first);
    expect((await fetch(`${first.url}/ready`)).status).toBe(200);

    // Overwrite the database (header included) with garbage, as a failed disk or a bad copy would.
    writeFileSync(join(first.cwd, "data/first.db"), Buffer.alloc(64 * 1024, 0x41));

    const ready = await fetch(`${first.url}/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_ready");
    expect(body.error.message).toContain("database unavailable");
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    // Requests needing the database fail with a JSON 503 instead of crashing the process.
    const listed = await fetch(`${first.url}/items`);
    expect(listed.status).toBe(503);
    expect(await listed.json()).toEqual({
      error: { code: "database_unavailable", message: "the database is unavailable" },
    });
    const logged = await first.logLine((l) => l.msg === "the database is unavailable");
    expect(logged).toMatchObject({ level: "error", path: "/items", db_code: "SQLITE_NOTADB" });
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });
});
