// What the chart's resource requests and limits are sized from: RSS and CPU of the compiled first and second,
// idle and under load, with the settings the chart uses (sqld over HTTP, OTLP export, ADMIN_PORT, 100% traced).
//   load A: GET /fib/20 on first, wrk -t1 -c50 (CPU-bound: what one replica costs flat out)
//   load B: POST / chain, 64 in flight, CHAIN_SLEEP_MAX_MS=0 (first → second → HTTPBin; no database call)
// Usage: flock /tmp/twinbin-bench.lock npm run bench:k8s [-- --seconds 15]      (needs wrk)
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs, promisify } from "node:util";
import { binaries } from "../tests/support/binaries";
import { startHttpbin } from "../tests/support/httpbin";
import { freePort } from "../tests/support/ports";
import { startBinary } from "../tests/support/processes";
import { startSqld } from "../tests/support/sqld";
import { rssMiB, startSink } from "./lib";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "15" } } });
const seconds = Number(values.seconds);
const TICKS = 100; // USER_HZ on Linux

/** utime + stime of `pid`, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Runs `load` while sampling every pid's RSS; returns peak RSS and average cores used per pid. */
async function measure(pids: Record<string, number>, load: () => Promise<number>) {
  const peak: Record<string, number> = {};
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const started = performance.now();
  const sampler = setInterval(() => {
    for (const [name, pid] of Object.entries(pids)) peak[name] = Math.max(peak[name] ?? 0, rssMiB(pid));
  }, 100);
  const rate = await load();
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  const cores = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, (cpuSeconds(pid) - (cpu0[name] ?? 0)) / elapsed]),
  );
  return { rate, peak, cores };
}

/** wrk's Requests/sec, run without blocking this process (so RSS sampling goes on meanwhile). */
async function wrkRate(url: string): Promise<number> {
  const { stdout } = await promisify(execFile)("wrk", ["-t1", "-c50", `-d${seconds}s`, url]);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`unexpected wrk output:\n${stdout}`);
  return Number(match[1]);
}

async function chainLoad(url: string, concurrency: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const response = await fetch(url, { method: "POST" });
        await response.arrayBuffer();
        if (response.ok) done++;
      }
    }),
  );
  return done / seconds;
}

const { first: firstBin, second: secondBin } = await binaries();
const [sqld, httpbin] = await Promise.all([startSqld(), startHttpbin()]);
const sink = startSink();
const common = {
  DATABASE_URL: sqld.url,
  OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
  LOG_LEVEL: "warn",
  ADMIN_PORT: String(await freePort()),
};
const second = await startBinary(secondBin, { ...common, HTTPBIN_URL: httpbin.url });
const first = await startBinary(firstBin, {
  ...common,
  ADMIN_PORT: String(await freePort()),
  SECOND_URL: second.url,
  CHAIN_SLEEP_MAX_MS: "0",
});
try {
  const pids = { first: first.child.pid as number, second: second.child.pid as number };
  await new Promise((r) => setTimeout(r, 1000));
  const idle = { first: rssMiB(pids.first), second: rssMiB(pids.second) };
  const fib = await measure(pids, () => wrkRate(`${first.url}/fib/20`));
  const chain = await measure(pids, () => chainLoad(`${first.url}/`, 64));
  const row = (...cells: (string | number)[]) => console.log(`| ${cells.join(" | ")} |`);
  console.log(`\n${seconds} s per load, this machine (${navigator.hardwareConcurrency} cores)\n`);
  row(
    "process",
    "idle RSS (MiB)",
    "GET /fib/20: req/s",
    "peak RSS",
    "cores",
    "POST / chain: req/s",
    "peak RSS",
    "cores",
  );
  row("---", "---", "---", "---", "---", "---", "---", "---");
  for (const name of ["first", "second"] as const) {
    row(
      name,
      idle[name].toFixed(0),
      name === "first" ? fib.rate.toFixed(0) : "—",
      (fib.peak[name] ?? 0).toFixed(0),
      (fib.cores[name] ?? 0).toFixed(2),
      chain.rate.toFixed(0),
      (chain.peak[name] ?? 0).toFixed(0),
      (chain.cores[name] ?? 0).toFixed(2),
    );
  }
} finally {
  await Promise.all([first.stop(), second.stop()]);
  await Promise.all([sqld.stop(), httpbin.stop()]);
  sink.stop();
}
