// Shared by the bench scripts: processes, wrk, RSS and a discarding OTLP sink, all on loopback and bounded.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { freePort, waitForOk } from "../tests/support/ports";
import { emptyDir } from "../tests/support/processes";

export interface Running {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `command` with PORT set, from an empty directory, and waits until `readyPath` answers 200. */
export async function startServer(
  command: string[],
  env: Record<string, string | undefined>,
  readyPath = "/fib/1",
): Promise<Running> {
  const port = await freePort();
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: emptyDir("twinbin-bench-"),
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}${readyPath}`, 20_000);
  return {
    url,
    child,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/**
 * wrk's Requests/sec for `seconds` against `url` (after a warm-up of the same shape). Two threads: one tops out near
 * 24k req/s on a 2-core machine, below what the services serve, and would cap the baseline. Asynchronous, so that a
 * span sink in this process (startSink) keeps answering meanwhile.
 */
export async function wrk(url: string, seconds: number, connections = 50): Promise<number> {
  const run = async (s: number) =>
    (await promisify(execFile)("wrk", ["-t2", `-c${connections}`, `-d${s}s`, "--latency", url], { encoding: "utf8" }))
      .stdout;
  await run(3);
  const out = await run(seconds);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(`unexpected wrk output:\n${out}`);
  return Number(match[1]);
}

const statusMiB = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
export const rssMiB = (pid: number) => statusMiB(pid, "VmRSS");
/** Anonymous resident memory (heap, stacks): RSS less file-backed pages of the executable and libraries. */
export const rssAnonMiB = (pid: number) => statusMiB(pid, "RssAnon");

/** An OTLP/HTTP endpoint that reads and discards every export, answering 200. */
export function startSink() {
  let exports = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      await request.arrayBuffer();
      exports++;
      return new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, exports: () => exports, stop: () => server.stop(true) };
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Milliseconds from spawn to the first 200 on /health, and the RSS half a second later. */
export async function startupSample(
  command: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  path = "/health",
  timeoutMs = 10_000,
): Promise<{ ms: number; rssMiB: number }> {
  const port = await freePort();
  const began = performance.now();
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    cwd,
    env: { PATH: process.env.PATH, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env, PORT: String(port) },
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}${path}`)).status === 200) break;
      } catch {}
      if (performance.now() - began > timeoutMs) throw new Error(`${file} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const ms = performance.now() - began;
    await new Promise((r) => setTimeout(r, 500));
    return { ms, rssMiB: rssMiB(child.pid as number) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}
