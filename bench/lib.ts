// Shared by the bench scripts: processes, wrk, RSS and a discarding OTLP sink, all on loopback and bounded.
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { freePort, waitForOk } from "../tests/support/ports";
import { emptyDir } from "../tests/support/processes";

export interface Running {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `command` with PORT set, from an empty directory, and waits until `readyPath` answers 200. Its stdout is a
 * pipe this process reads and discards, as a container runtime or log collector would: /dev/null would hide what
 * writing log lines to a pipe costs.
 */
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
    stdio: ["ignore", "pipe", "inherit"],
  });
  child.stdout?.resume();
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
 * Pins this process (and so wrk and anything else it starts) to CPU 0 and returns the command prefix that starts a
 * server on CPU 1: the servers are saturated and the load generator never takes their core. That is another regime,
 * not a quieter one; exits with a message where there are fewer than two CPUs or no taskset.
 */
export function pinLoadToCpu0(bench: string): string[] {
  if (availableParallelism() < 2 || spawnSync("taskset", ["--version"]).error) {
    console.error(`${bench} --pin needs two CPUs and taskset (util-linux)`);
    process.exit(1);
  }
  execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  return ["taskset", "-c", "1"];
}

/** Exits with one line naming how to install the first of `tools` this machine lacks. */
export function requireTools(bench: string, tools: readonly ("wrk" | "perf")[]): void {
  for (const tool of tools) {
    if (spawnSync(tool, ["--version"]).error) {
      console.error(`${bench} needs ${tool}: sudo apt-get install -y ${tool === "perf" ? "linux-perf" : "wrk"}`);
      process.exit(1);
    }
  }
}

/** Parses the named options as whole numbers ≥ 1, or exits with one line naming them all. */
export function wholeNumbers<K extends string>(
  bench: string,
  values: Record<K, string | undefined>,
  names: readonly K[],
): Record<K, number> {
  const parsed = Object.fromEntries(names.map((name) => [name, Number(values[name])])) as Record<K, number>;
  if (!names.every((name) => Number.isInteger(parsed[name]) && parsed[name] >= 1)) {
    console.error(`${bench}: ${names.map((name) => `--${name}`).join(", ")} must be whole numbers ≥ 1`);
    process.exit(1);
  }
  return parsed;
}

/** first traced as the benches measure it: every span sampled and exported as OTLP protobuf to `sinkUrl`, Prometheus on. */
export const tracedEnv = (sinkUrl: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  OTEL_TRACES_SAMPLER: "always_on",
  OTEL_METRICS_EXPORTER: "prometheus",
});

/** A service command and its environment, given the URL of the hop after it. */
export type Hop = [command: string, env: (next: string) => Record<string, string | undefined>];

/**
 * Starts `hops` in front of `leafUrl`, the last first (each hop's env names the next one's URL); the first is entry.
 * `prefix` runs each hop through a wrapper command (e.g. `taskset -c 1`).
 */
export async function startChain(hops: readonly Hop[], leafUrl: string, prefix: string[] = []): Promise<Running[]> {
  const started: Running[] = [];
  let next = leafUrl;
  for (const [command, env] of [...hops].reverse()) {
    const server = await startServer([...prefix, command], env(next), "/health");
    started.unshift(server);
    next = server.url;
  }
  return started;
}

/**
 * wrk's Requests/sec for `seconds` against `url`, after a 3 s warm-up of the same shape (see `load`). Two threads: one
 * tops out near 24k req/s on a 2-core machine, below what the services serve, and would cap the baseline.
 */
export async function wrk(url: string, seconds: number): Promise<number> {
  await load(url, 3);
  return (await load(url, seconds)).rps;
}

const statusMiB = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
export const rssMiB = (pid: number) => statusMiB(pid, "VmRSS");
/** Anonymous resident memory (heap, stacks): RSS less file-backed pages of the executable and libraries. */
export const rssAnonMiB = (pid: number) => statusMiB(pid, "RssAnon");

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** utime+stime in µs of a process (all its threads). */
export const cpuMicros = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
};

const latencyMs = (out: string, pct: string) => {
  const match = new RegExp(`${pct}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
};

/**
 * wrk -t2 -c50 against `url` (with a Lua `script`, e.g. for POST); its own CPU comes from the shell's
 * reaped-children times, so a saturated load generator shows. Asynchronous: a span sink in this process must keep
 * answering exports while wrk runs (a blocked sink stalls the one export in flight, and the service then drops
 * every further span instead of exporting it). Any non-2xx answer is an error.
 */
export async function load(url: string, duration: number, script?: string) {
  const args = ["-t2", "-c50", `-d${duration}s`, "--latency", ...(script ? ["-s", script] : []), url];
  const { stdout: out } = await promisify(execFile)("bash", ["-c", 'wrk "$@"; cat /proc/$$/stat', "wrk", ...args], {
    encoding: "utf8",
  });
  const stat =
    out
      .slice(out.lastIndexOf("\n", out.length - 2) + 1)
      .split(") ")[1]
      ?.split(" ") ?? [];
  const wrkCpu = ((Number(stat[13]) + Number(stat[14])) / CLK_TCK) * 1e6;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!requests || non2xx > 0) throw new Error(`wrk against ${url}: ${non2xx} errors\n${out}`);
  return {
    requests,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: latencyMs(out, "50"),
    p99: latencyMs(out, "99"),
    wrkCpu,
  };
}

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

/** Resident memory of a process by what backs it, in MiB (from /proc/<pid>/smaps). */
export interface RssSplit {
  total: number;
  /** Pages of the executable itself: the Bun runtime, and the embedded bundle, bytecode and addon copy it reads. */
  executable: number;
  /** Other files mapped: the libSQL addon Bun extracts to a temp file, libc and the like. */
  otherFiles: number;
  /** Heap, stacks: what the process itself allocated. */
  anonymous: number;
}

export function rssSplit(pid: number): RssSplit {
  const executable = readlinkSync(`/proc/${pid}/exe`);
  const split: RssSplit = { total: 0, executable: 0, otherFiles: 0, anonymous: 0 };
  let file = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      file = header[1] ?? "";
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const mib = Number(field[2]) / 1024;
    // A file's resident pages are file-backed but for its private copies (its Anonymous pages).
    const sign = field[1] === "Rss" ? 1 : -1;
    if (field[1] === "Rss") split.total += mib;
    else split.anonymous += mib;
    if (file === executable) split.executable += sign * mib;
    else if (file.startsWith("/")) split.otherFiles += sign * mib;
  }
  return split;
}

/** Milliseconds from spawn to the first 200 on /health, and the RSS (total and split) half a second later. */
export async function startupSample(
  command: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  path = "/health",
  timeoutMs = 10_000,
): Promise<{ ms: number; rssMiB: number; rss: RssSplit }> {
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
    return { ms, rssMiB: rssMiB(child.pid as number), rss: rssSplit(child.pid as number) };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}
