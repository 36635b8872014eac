// The chain first → second → HTTPBin, run as compiled binaries (or under Deno, TWINBIN_RUNTIME=deno) from empty dirs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectRelayedFrom, type Httpbin, startHttpbin } from "../support/httpbin";
import { freePort } from "../support/ports";
import { type Service, startBinary } from "../support/processes";
import { launchers, RUNTIME, SETUP_TIMEOUT_MS } from "../support/services";

let httpbin: Httpbin;
let bins: { first: string[]; second: string[] };
const running: Service[] = [];

async function start(binary: string[], env: Record<string, string>) {
  const service = await startBinary(binary, env);
  running.push(service);
  return service;
}

beforeAll(async () => {
  [httpbin, bins] = await Promise.all([startHttpbin(), launchers()]);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
  await httpbin?.stop("SIGKILL");
});

describe(`POST / chain (${RUNTIME})`, () => {
  test("first answers with HTTPBin's JSON as relayed by second", async () => {
    const second = await start(bins.second, { HTTPBIN_URL: httpbin.url });
    const first = await start(bins.first, { SECOND_URL: second.url, CHAIN_SLEEP_MAX_MS: "50" });

    await expectRelayedFrom(httpbin, await fetch(`${first.url}/`, { method: "POST" }));
  });

  test("second down → first answers 502 JSON upstream_unreachable", async () => {
    const first = await start(bins.first, {
      SECOND_URL: `http://127.0.0.1:${await freePort()}`,
      CHAIN_SLEEP_MAX_MS: "0",
    });
    // A refused connection is reported as such (upstream_unreachable), not waited out to UPSTREAM_TIMEOUT_MS.
    const response = await fetch(`${first.url}/`, { method: "POST" });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { code: "upstream_unreachable", message: "second is unreachable" },
    });
  });

  test("HTTPBin slower than UPSTREAM_TIMEOUT_MS → 504 JSON when the timeout expires", async () => {
    const second = await start(bins.second, {
      HTTPBIN_URL: `${httpbin.url}/slow/3`,
      UPSTREAM_TIMEOUT_MS: "500",
    });
    const started = performance.now();
    const response = await fetch(`${second.url}/`, { method: "POST" });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { code: "upstream_timeout", message: "httpbin did not answer within 500 ms" },
    });
    // Not before the timeout; and the 504 (not HTTPBin's answer at 3 s) shows the timeout ended it.
    expect(elapsed).toBeGreaterThanOrEqual(450);
  });

  test("a 504 from second reaches first's caller as a 502 naming second", async () => {
    const second = await start(bins.second, { HTTPBIN_URL: `${httpbin.url}/slow/3`, UPSTREAM_TIMEOUT_MS: "300" });
    // first waits longer than second, so second's verdict (504) is what first relays.
    const first = await start(bins.first, {
      SECOND_URL: second.url,
      CHAIN_SLEEP_MAX_MS: "0",
      UPSTREAM_TIMEOUT_MS: "15000",
    });
    const response = await fetch(`${first.url}/`, { method: "POST" });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { code: "upstream_error", message: "second answered 504" } });
  });

  test("SIGTERM during an in-flight request: it completes, then the process exits 0", async () => {
    // HTTPBin's stand-in says when the call reaches it (the request is then in flight in first and second, however
    // slow the machine) and answers a second later.
    const { promise: arrived, resolve: arrive } = Promise.withResolvers<void>();
    const upstream = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        arrive();
        await Bun.sleep(1000);
        return Response.json({ url: request.url });
      },
    });
    try {
      const second = await start(bins.second, { HTTPBIN_URL: upstream.url.origin, UPSTREAM_TIMEOUT_MS: "5000" });
      const first = await start(bins.first, { SECOND_URL: second.url, CHAIN_SLEEP_MAX_MS: "0" });

      const inFlight = fetch(`${first.url}/`, { method: "POST" });
      await arrived;
      const exited = first.stop("SIGTERM");

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { url: string }).url).toEndWith("/delay/0");
      expect(await exited).toEqual({ code: 0, signal: null });
      // New connections are refused once it is down.
      await expect(fetch(`${first.url}/health`)).rejects.toThrow();
      const messages = first.logs().map((l) => l.msg);
      expect(messages).toContain("shutting down");
      expect(messages.at(-1)).toBe("stopped");
    } finally {
      upstream.stop(true);
    }
  });
});
