// What telemetry costs, against references started in the same run: a bare Bun.serve binary and a plain Elysia
// binary (bench/references), then the compiled first traced (100% sampled, OTLP protobuf to a local sink, Prometheus
// on) and with OTEL_SDK_DISABLED=true; the chain POST / the same way (first → second → leaf, no sleep). Variants run
// in interleaved rounds; each row is the median over rounds, and "× bare" is taken within each round.
// CPU µs/request: utime+stime of the service processes (from /proc) over the run ÷ requests served.
// Usage: npm run bench:cost [-- --seconds 10 --rounds 3]   (needs wrk: apt-get install wrk; installed when root)
//   --quick: without the metrics/profile/logs variants; --extras-only: bare, first traced and those variants only.
//   --pin: the services (and the chain's leaf) on CPU 1, wrk, the span sink and start-up samples on CPU 0.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { emptyDir } from "../tests/support/processes";
import { buildExecutable } from "../tools/build";
import {
  cpuMicros,
  type Hop,
  load,
  median,
  pinLoadToCpu0,
  type Running,
  rssAnonMiB,
  rssMiB,
  startChain,
  startServer,
  startSink,
  startupSample,
  tracedEnv,
} from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    quick: { type: "boolean", default: false },
    "extras-only": { type: "boolean", default: false },
    pin: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

if (spawnSync("wrk", ["-v"]).error) {
  if (process.getuid?.() !== 0) {
    console.error("bench:cost needs wrk. Install it with:\n  sudo apt-get update && sudo apt-get install -y wrk");
    process.exit(1);
  }
  console.error("--- apt-get install wrk");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "wrk"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

const onServerCpu = values.pin ? pinLoadToCpu0("bench:cost") : [];
const outDir = mkdtempSync(join(tmpdir(), "twinbin-refs-"));
process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
const compile = (name: string) =>
  buildExecutable(join(import.meta.dir, "references", `${name}.ts`), join(outDir, name));
const [bare, elysia, { first, second }] = await Promise.all([compile("bare"), compile("elysia"), binaries()]);
const sink = startSink();
const leaf = await startServer([...onServerCpu, bare], {}, "/health");
const postScript = join(outDir, "post.lua");
writeFileSync(postScript, 'wrk.method = "POST"\n');

interface Sample {
  rps: number;
  cpuPerRequest: number;
  p50: number;
  p99: number;
  wrkCpuPerRequest: number;
  rssIdle: number;
  rssAfter: number;
  /** The anonymous part of RSS (heap, stacks); the rest is file-backed pages of the executable and libraries. */
  anonIdle: number;
  anonAfter: number;
}

/** `alongside` starts with the measured run (e.g. a CPU profile of the same length) and is awaited after it. */
async function measure(
  servers: Running[],
  path: string,
  post: boolean,
  alongside?: (servers: Running[]) => Promise<void>,
): Promise<Sample> {
  const entry = servers[0] as Running;
  await new Promise((r) => setTimeout(r, 1000));
  const total = (perProcess: (pid: number) => number) =>
    servers.reduce((sum, s) => sum + perProcess(s.child.pid as number), 0);
  const rssIdle = total(rssMiB);
  const anonIdle = total(rssAnonMiB);
  await load(`${entry.url}${path}`, 2, post ? postScript : undefined); // warm-up
  const cpuBefore = total(cpuMicros);
  const beside = alongside?.(servers);
  const [run] = await Promise.all([load(`${entry.url}${path}`, seconds, post ? postScript : undefined), beside]);
  const cpuAfter = total(cpuMicros);
  const rssAfter = total(rssMiB);
  const anonAfter = total(rssAnonMiB);
  return {
    rps: run.rps,
    cpuPerRequest: (cpuAfter - cpuBefore) / run.requests,
    p50: run.p50,
    p99: run.p99,
    wrkCpuPerRequest: run.wrkCpu / run.requests,
    rssIdle,
    rssAfter,
    anonIdle,
    anonAfter,
  };
}

const traced = tracedEnv(sink.url);
const disabled = { OTEL_SDK_DISABLED: "true" };
type Variant = { group: "fib" | "chain"; start(): Promise<Running[]>; during?: (servers: Running[]) => Promise<void> };
const single = (command: string, env: Record<string, string>) => async () => [
  await startServer([...onServerCpu, command], env, "/health"),
];
const chainOf = (hops: Hop[]) => () => startChain(hops, leaf.url, onServerCpu);
const profiled = async (servers: Running[]) => {
  const response = await fetch(`${(servers[0] as Running).url}/debug/pprof/profile?seconds=${seconds}`);
  await response.arrayBuffer();
};

const variants: Record<string, Variant> = {
  "bare Bun.serve": { group: "fib", start: single(bare, {}) },
  "plain Elysia": { group: "fib", start: single(elysia, {}) },
  "first, traced": { group: "fib", start: single(first, traced) },
  "first, OTEL_SDK_DISABLED": { group: "fib", start: single(first, disabled) },
  // The SDK on with nothing sampled: propagation, context and non-recording spans, no span recorded or exported.
  "first, traced, nothing sampled": {
    group: "fib",
    start: single(first, { ...traced, OTEL_TRACES_SAMPLER: "always_off" }),
  },
  "bare chain": {
    group: "chain",
    start: chainOf([
      [bare, (n) => ({ NEXT_URL: n })],
      [bare, (n) => ({ NEXT_URL: n })],
    ]),
  },
  "plain Elysia chain": {
    group: "chain",
    start: chainOf([
      [elysia, (n) => ({ NEXT_URL: n })],
      [elysia, (n) => ({ NEXT_URL: n })],
    ]),
  },
  "first+second, traced": {
    group: "chain",
    start: chainOf([
      [first, (n) => ({ ...traced, SECOND_URL: n, CHAIN_SLEEP_MAX_MS: "0" })],
      [second, (n) => ({ ...traced, HTTPBIN_URL: n })],
    ]),
  },
  "first+second, OTEL_SDK_DISABLED": {
    group: "chain",
    start: chainOf([
      [first, (n) => ({ ...disabled, SECOND_URL: n, CHAIN_SLEEP_MAX_MS: "0" })],
      [second, (n) => ({ ...disabled, HTTPBIN_URL: n })],
    ]),
  },
};
if (values["extras-only"]) {
  for (const name of Object.keys(variants))
    if (name !== "bare Bun.serve" && name !== "first, traced") delete variants[name];
}
if (!values.quick) {
  Object.assign(variants, {
    "first, traced, metrics off": { group: "fib", start: single(first, { ...traced, OTEL_METRICS_EXPORTER: "none" }) },
    "first, traced, CPU profile running": { group: "fib", start: single(first, traced), during: profiled },
    "first, traced, OTLP logs on (LOG_LEVEL=info)": {
      group: "fib",
      start: single(first, { ...traced, OTEL_LOGS_EXPORTER: "otlp", LOG_LEVEL: "info" }),
    },
    "first, traced, LOG_LEVEL=info": { group: "fib", start: single(first, { ...traced, LOG_LEVEL: "info" }) },
  } satisfies Record<string, Variant>);
}

const samples: Record<string, Sample[]> = {};
const ratios: Record<string, number[]> = {};
const began = performance.now();
for (let round = 0; round < rounds; round++) {
  const bareRps: Record<string, number> = {};
  for (const [name, variant] of Object.entries(variants)) {
    const servers = await variant.start();
    try {
      const path = variant.group === "fib" ? "/fib/10" : "/";
      const sample = await measure(servers, path, variant.group === "chain", variant.during);
      samples[name] = [...(samples[name] ?? []), sample];
      if (name.startsWith("bare")) bareRps[variant.group] = sample.rps;
      ratios[name] = [...(ratios[name] ?? []), sample.rps / (bareRps[variant.group] as number)];
      console.error(
        `round ${round + 1} ${name}: ${sample.rps.toFixed(0)} req/s, ${sample.cpuPerRequest.toFixed(1)} µs`,
      );
    } finally {
      for (const server of servers) await server.stop();
    }
  }
}

// Start-up: spawn → first 200 on /health, from a directory whose database already exists (a restart), interleaved.
const starts: Record<string, number[]> = {};
const startCommands: Record<string, [string, Record<string, string>]> = {
  "bare Bun.serve": [bare, {}],
  "plain Elysia": [elysia, {}],
  "first, traced": [first, traced],
  "first, OTEL_SDK_DISABLED": [first, disabled],
};
const cwd = emptyDir("twinbin-bench-");
await startupSample([first], traced, cwd);
for (let i = 0; i < (values["extras-only"] ? 0 : 7); i++) {
  for (const [name, [command, env]] of Object.entries(startCommands)) {
    starts[name] = [...(starts[name] ?? []), (await startupSample([command], env, cwd)).ms];
  }
}
await leaf.stop();
sink.stop();

const spread = (xs: number[]) => `${((Math.max(...xs) / Math.min(...xs) - 1) * 100).toFixed(0)}%`;
const f1 = (x: number) => x.toFixed(1);
console.log(
  `\n${rounds} interleaved rounds, wrk -t2 -c50 -d${seconds}s (after 2 s warm-up), GET /fib/10 and POST / (chain), ` +
    `${Math.round((performance.now() - began) / 60_000)} min${values.pin ? ", services on CPU 1 and wrk on CPU 0" : ""}. ` +
    "Medians over rounds; spread = max/min − 1 of req/s.\n",
);
console.log(
  "| variant | req/s | × bare (same round) | CPU µs/req (service) | p50 ms | p99 ms | RSS idle → after MiB (anon) | wrk CPU µs/req | spread | start → 200 ms |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const med = (name: string, pick: (s: Sample) => number) => median((samples[name] ?? []).map(pick));
for (const name of Object.keys(variants)) {
  const list = samples[name] ?? [];
  const start = starts[name] ? f1(median(starts[name] as number[])) : "";
  console.log(
    `| ${name} | ${med(name, (s) => s.rps).toFixed(0)} | ${median(ratios[name] ?? []).toFixed(2)} | ${f1(med(name, (s) => s.cpuPerRequest))} | ${f1(med(name, (s) => s.p50))} | ${f1(med(name, (s) => s.p99))} | ${med(name, (s) => s.rssIdle).toFixed(0)} (${med(name, (s) => s.anonIdle).toFixed(0)}) → ${med(name, (s) => s.rssAfter).toFixed(0)} (${med(name, (s) => s.anonAfter).toFixed(0)}) | ${f1(med(name, (s) => s.wrkCpuPerRequest))} | ${spread(list.map((s) => s.rps))} | ${start} |`,
  );
}
const cpu = (name: string) => med(name, (s) => s.cpuPerRequest);
const ratio = (name: string) => median(ratios[name] ?? []);
/** Same-round ratios of a ÷ b: req/s, and CPU per request b ÷ a (what a CPU-bound service's throughput would see). */
const vs = (a: string, b: string) => {
  const pairs = (samples[a] ?? []).map((s, i) => [s, (samples[b] ?? [])[i] as Sample] as const);
  const rpsRatios = pairs.map(([x, y]) => x.rps / y.rps);
  const cpuRatios = pairs.map(([x, y]) => y.cpuPerRequest / x.cpuPerRequest);
  const rps = median(rpsRatios);
  const cpuRatio = median(cpuRatios);
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  return {
    rps,
    cpuRatio,
    text: `${rps.toFixed(2)} [${range(rpsRatios)}] (CPU: ${cpuRatio.toFixed(2)} [${range(cpuRatios)}])`,
  };
};
/** name, measured, target, met (undefined: a figure without a target). */
const coreTargets = (
  chainVsElysia = vs("first+second, OTEL_SDK_DISABLED", "plain Elysia chain"),
): [string, string, string, boolean | undefined][] => [
  [
    "telemetry CPU per GET /fib/10 (traced − disabled)",
    `${f1(cpu("first, traced") - cpu("first, OTEL_SDK_DISABLED"))} µs`,
    "≤ 6 µs",
    cpu("first, traced") - cpu("first, OTEL_SDK_DISABLED") <= 6,
  ],
  ["traced GET /fib/10 × bare", ratio("first, traced").toFixed(2), "≥ 0.65", ratio("first, traced") >= 0.65],
  [
    "traced chain × bare chain",
    ratio("first+second, traced").toFixed(2),
    "≥ 0.75",
    ratio("first+second, traced") >= 0.75,
  ],
  [
    "SDK-disabled chain × plain Elysia chain, req/s (CPU)",
    chainVsElysia.text,
    "≥ 0.95",
    chainVsElysia.rps >= 0.95 && chainVsElysia.cpuRatio >= 0.95,
  ],
  [
    "telemetry CPU per GET /fib/10, nothing sampled (always_off − disabled)",
    `${f1(cpu("first, traced, nothing sampled") - cpu("first, OTEL_SDK_DISABLED"))} µs`,
    "—",
    undefined,
  ],
];
const targets = values["extras-only"] ? [] : coreTargets();
if (!values["extras-only"]) {
  const startRatio = median(starts["first, traced"] ?? []) / median(starts["plain Elysia"] ?? []);
  targets.push(["start → first 200, first traced × plain Elysia", startRatio.toFixed(2), "≤ 1.3", startRatio <= 1.3]);
  const idle = med("first, traced", (s) => s.rssIdle);
  const after = med("first, traced", (s) => s.rssAfter);
  const anon = (pick: (s: Sample) => number) => ` (anon ${med("first, traced", pick).toFixed(0)})`;
  targets.push(["RSS idle, first traced", `${idle.toFixed(0)} MiB${anon((s) => s.anonIdle)}`, "≤ 42 MB", idle <= 42]);
  targets.push([
    `RSS after ${seconds} s traced load`,
    `${after.toFixed(0)} MiB${anon((s) => s.anonAfter)}`,
    "≤ 70 MB",
    after <= 70,
  ]);
}
if (!values.quick) {
  const metrics = vs("first, traced", "first, traced, metrics off");
  const profile = vs("first, traced, CPU profile running", "first, traced");
  const logs = vs("first, traced, OTLP logs on (LOG_LEVEL=info)", "first, traced, LOG_LEVEL=info");
  targets.push(["metrics on / off (traced), req/s (CPU)", metrics.text, "≥ 0.95", metrics.rps >= 0.95]);
  targets.push(["CPU profile running / not, req/s (CPU)", profile.text, "≥ 0.97", profile.rps >= 0.97]);
  targets.push(["OTLP log export on / off (LOG_LEVEL=info), req/s (CPU)", logs.text, "—", undefined]);
}
console.log("\n| figure | measured | target | |\n|---|---:|---|---|");
for (const [name, value, target, ok] of targets)
  console.log(`| ${name} | ${value} | ${target} | ${ok === undefined ? "" : ok ? "met" : "**missed**"} |`);
