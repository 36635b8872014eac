// ADMIN_PORT moves the operational endpoints (/metrics, /debug/pprof/*) off the public port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { freePort } from "../support/ports";
import { type Service, startBinary } from "../support/processes";
import { launchers, SETUP_TIMEOUT_MS } from "../support/services";

let first: string[];

beforeAll(async () => {
  first = (await launchers()).first;
}, SETUP_TIMEOUT_MS);

const status = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(10_000) })).status;

describe("ADMIN_PORT set", () => {
  let service: Service;
  let admin: string;

  beforeAll(async () => {
    const adminPort = await freePort();
    admin = `http://127.0.0.1:${adminPort}`;
    service = await startBinary(first, { ADMIN_PORT: String(adminPort), ADMIN_HOST: "127.0.0.1" });
  });
  afterAll(async () => {
    expect(await service.stop()).toEqual({ code: 0, signal: null });
  });

  test("the public port answers /metrics and /debug/pprof/* with the JSON 404", async () => {
    for (const path of ["/metrics", "/debug/pprof/profile?seconds=1", "/debug/pprof/", "/metrics?x=1"]) {
      const response = await fetch(`${service.url}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.json()).toEqual({ error: { code: "not_found", message: "no route matches this request" } });
    }
    expect(await status(`${service.url}/fib/10`)).toBe(200);
    expect(await status(`${service.url}/health`)).toBe(200);
  });

  test("the admin port serves /metrics and a CPU profile, and nothing else", async () => {
    const metrics = await fetch(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("target_info");
    const profile = await fetch(`${admin}/debug/pprof/profile?seconds=1`);
    expect(profile.status).toBe(200);
    expect(profile.headers.get("content-type")).toBe("application/octet-stream");
    expect((await profile.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(await status(`${admin}/fib/10`)).toBe(404);
    expect(await status(`${admin}/items`)).toBe(404);
  });
});

describe("ADMIN_PORT unset", () => {
  test("one port serves the app, /metrics and the profile", async () => {
    const service = await startBinary(first);
    try {
      expect(await status(`${service.url}/metrics`)).toBe(200);
      expect(await status(`${service.url}/debug/pprof/profile?seconds=1`)).toBe(200);
      expect(await status(`${service.url}/fib/10`)).toBe(200);
    } finally {
      expect(await service.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
