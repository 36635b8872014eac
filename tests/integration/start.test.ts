// `npm start` and `npm run start:deno` as a user runs them: the chain answers, PORT/SECOND_PORT move the services,
// and one SIGTERM or SIGINT to the npm process stops npm, tools/start.ts and both services. Also: the default
// ports are ones Deno's fetch agrees to call (it refuses the Fetch standard's "bad ports", 6000 among them).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { firstConfig } from "../../first/config";
import { secondConfig } from "../../second/config";
import { parseConfig } from "../../shared/config/config";
import { type Httpbin, startHttpbin } from "../support/httpbin";
import { freePort, waitForOk } from "../support/ports";
import { type Proc, spawnProc } from "../support/processes";
import { DENO } from "../support/services";

const REPO = join(import.meta.dir, "../..");
let httpbin: Httpbin;
const running: Proc[] = [];
/** Every process a test saw under npm; whatever survives a failed test is killed afterwards. */
const seen = new Set<number>();

beforeAll(async () => {
  httpbin = await startHttpbin();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  for (const pid of seen) if (alive(pid)) process.kill(pid, "SIGKILL");
  await httpbin?.stop("SIGKILL");
});

/** Whether a TCP port on 127.0.0.1 accepts connections. */
async function listening(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** The pids of `pid`'s descendants, read from /proc (children files list direct children per thread). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const children = (p: number): number[] => {
    const out = spawnSync("sh", ["-c", `cat /proc/${p}/task/*/children 2>/dev/null`], { encoding: "utf8" });
    return out.stdout.split(/\s+/).filter(Boolean).map(Number);
  };
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children(queue.shift() as number)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function runStartAndStop(script: "start" | "start:deno", signal: "SIGTERM" | "SIGINT") {
  const [firstPort, secondPort] = [await freePort(), await freePort()];
  const npm = spawnProc(
    script,
    "npm",
    ["run", "--silent", script],
    {
      PORT: String(firstPort),
      SECOND_PORT: String(secondPort),
      HTTPBIN_URL: httpbin.url,
      CHAIN_SLEEP_MAX_MS: "20",
      LOG_LEVEL: "warn",
      OTEL_SDK_DISABLED: "true",
    },
    REPO,
  );
  running.push(npm);
  const pid = npm.child.pid as number;
  try {
    await waitForOk(`http://127.0.0.1:${firstPort}/health`, 120_000);
    await waitForOk(`http://127.0.0.1:${secondPort}/health`, 10_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${npm.output()}`);
  }
  const response = await fetch(`http://127.0.0.1:${firstPort}/`, { method: "POST" });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { url: string }).url).toBe(`${httpbin.url}/delay/0`);

  const tree = descendants(pid);
  for (const p of tree) seen.add(p);
  expect(tree.length).toBeGreaterThanOrEqual(3); // start.ts and the two services (a shell would be a fourth)
  npm.child.kill(signal); // the npm process only, as `kill <pid>` does: not its process group
  const exit = await Promise.race([npm.exited, Bun.sleep(20_000).then(() => "npm still running after 20 s")]);
  expect(exit).toEqual({ code: expect.any(Number), signal: null });
  // The services finish their shutdown within their grace period; poll up to 15 s (not a timing assertion).
  for (let i = 0; i < 150 && tree.some(alive); i++) await Bun.sleep(100);
  expect(tree.filter(alive)).toEqual([]);
  expect([await listening(firstPort), await listening(secondPort)]).toEqual([false, false]);
}

describe("npm start / npm run start:deno", () => {
  test("npm start: PORT and SECOND_PORT are used, POST / goes through, SIGINT to npm stops everything", async () => {
    await runStartAndStop("start", "SIGINT");
  }, 180_000);

  test("npm run start:deno: POST / goes through, SIGTERM to npm stops everything", async () => {
    await runStartAndStop("start:deno", "SIGTERM");
  }, 180_000);
});

describe("default ports under Deno", () => {
  /** What Deno's fetch says when asked for 127.0.0.1:<port> (a refusal to connect means it tried). */
  function denoFetch(port: number): string {
    const script = `try { await fetch("http://127.0.0.1:${port}/", { signal: AbortSignal.timeout(2000) }); console.log("answered"); } catch (e) { console.log(String(e)); }`;
    const out = spawnSync(DENO, ["eval", script], { encoding: "utf8", timeout: 30_000 });
    return `${out.stdout}${out.stderr}`;
  }

  test("Deno's fetch refuses a bad port such as 6000 (what this check detects)", () => {
    expect(denoFetch(6000)).toContain("blocked");
  });

  test("first's and second's default ports, and first's default SECOND_URL, are not refused by Deno's fetch", () => {
    const first = parseConfig({}, firstConfig);
    const second = parseConfig({}, secondConfig);
    const ports = [first.PORT, second.PORT, Number(new URL(first.SECOND_URL).port)];
    expect(ports).toEqual([5000, 5001, 5001]);
    for (const port of ports) expect(`${port}: ${denoFetch(port)}`).not.toContain("blocked");
  });
});
