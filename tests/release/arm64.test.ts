// The linux-arm64 release binaries, run under qemu-user on any Linux host (Debian: qemu-user-static and the arm64
// cross C/C++ libraries): the chain, /fib/:n, the catalog flow on the embedded libSQL file, /metrics and a profile.
// One first and one second serve every test: start-up under emulation takes seconds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decodeProfile } from "../../shared/profiling/decode";
import { releaseFolder } from "../../tools/dist";
import { executableInfo } from "../support/executable";
import { expectRelayedFrom, type Httpbin, startHttpbin } from "../support/httpbin";
import { type Service, startBinary } from "../support/processes";
import { releaseDir } from "../support/release";
import { qemuArm64Command } from "../support/services";

let httpbin: Httpbin;
let first: Service;
let second: Service;
let folder: string;

beforeAll(async () => {
  folder = join(releaseDir(), releaseFolder("linux-arm64"));
  httpbin = await startHttpbin();
  second = await startBinary(qemuArm64Command(join(folder, "second")), { HTTPBIN_URL: httpbin.url, LOG_LEVEL: "warn" });
  first = await startBinary(qemuArm64Command(join(folder, "first")), {
    SECOND_URL: second.url,
    CHAIN_SLEEP_MAX_MS: "20",
    OTEL_TRACES_EXPORTER: "none",
    LOG_LEVEL: "warn",
  });
}, 600_000);

afterAll(async () => {
  await Promise.all([first?.stop("SIGKILL"), second?.stop("SIGKILL"), httpbin?.stop("SIGKILL")]);
});

const json = (method: string, body: unknown) => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("linux-arm64 binaries under qemu-user", () => {
  test("what runs is the arm64 build", () => {
    for (const file of ["first", "second"]) expect(executableInfo(join(folder, file)).arch).toBe("arm64");
  });

  test("POST / goes first → second → HTTPBin and back", async () => {
    await expectRelayedFrom(httpbin, await fetch(`${first.url}/`, { method: "POST" }));
  });

  test("GET /fib/:n computes; a bad n is a 4xx JSON error", async () => {
    expect(await (await fetch(`${first.url}/fib/20`)).json()).toEqual({ n: 20, fibonacci: 6765 });
    const bad = await fetch(`${first.url}/fib/abc`);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBeString();
  });

  test("the catalog flow on the embedded libSQL files", async () => {
    const created = await fetch(`${first.url}/items`, json("POST", { name: "kettle", price: 24.5 }));
    expect(created.status).toBe(201);
    const kettle = (await created.json()) as { id: number; name: string; price: number };
    const mug = (await (await fetch(`${first.url}/items`, json("POST", { name: "mug", price: 6 }))).json()) as {
      id: number;
    };
    expect((await fetch(`${second.url}/stocks/${kettle.id}`, json("PUT", { quantity: 3 }))).status).toBe(200);
    expect((await fetch(`${second.url}/stocks/${mug.id}`, json("PUT", { quantity: 0 }))).status).toBe(200);
    expect(await (await fetch(`${first.url}/items/available`)).json()).toEqual({
      items: [{ ...kettle, quantity: 3 }],
    });
    expect(existsSync(join(first.cwd, "data/first.db"))).toBe(true);
    expect(existsSync(join(second.cwd, "data/second.db"))).toBe(true);
  });

  test("/metrics has the request and blueprint series, and promtool accepts it", async () => {
    await fetch(`${first.url}/fib/5`);
    const text = await (await fetch(`${first.url}/metrics`)).text();
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/fib\/:n"/m);
    expect(text).toMatch(/^first_request_count_total\{[^}]*env="dev"[^}]*\} \d+$/m);
    expect(text).toMatch(/^target_info\{[^}]*service_name="first"[^}]*process_runtime_name="bun"/m);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
    expect(check.status).toBe(0);
  });

  test("a CPU profile under /fib load shows _one → _two → _fibo → fibo", async () => {
    // Warm the JIT first: emulated, the first seconds of load are mostly compiling, not fibonacci.
    for (let i = 0; i < 5; i++) await (await fetch(`${first.url}/fib/25`)).arrayBuffer();
    const profiled = fetch(`${first.url}/debug/pprof/profile?seconds=3`);
    let done = false;
    profiled.finally(() => {
      done = true;
    });
    const load = Array.from({ length: 2 }, async () => {
      while (!done) await (await fetch(`${first.url}/fib/25`)).arrayBuffer();
    });
    const response = await profiled;
    await Promise.all(load);
    expect(response.status).toBe(200);
    const { stacks } = decodeProfile(new Uint8Array(await response.arrayBuffer()));
    const chained = stacks.filter((stack) => {
      const i = stack.indexOf("_one");
      return i >= 0 && stack[i + 1] === "_two" && stack[i + 2] === "_fibo" && stack[i + 3] === "fibo";
    });
    expect(stacks.length).toBeGreaterThan(20);
    expect(chained.length / stacks.length).toBeGreaterThan(0.5);
  });
});
