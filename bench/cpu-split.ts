// Where the CPU of a GET /fib/10 goes, by kind of code, measured with `perf` on the compiled first under the same load
// as bench/cost.ts (wrk -t2 -c50, OTLP protobuf to a local sink, Prometheus on): traced and with
// OTEL_SDK_DISABLED=true, in interleaved rounds. Samples are split by where the CPU was: JIT-compiled JavaScript,
// the Bun runtime's native code (C++/Zig: the interpreter, built-ins such as Headers and fetch, the garbage
// collector), the kernel (syscalls, TCP on loopback, page faults) and libc. The JavaScript profiler inside the
// binary (`bun:jsc`) charges native and GC time to whichever JavaScript frame was on top, so it cannot tell these
// apart; perf samples the whole thread.
// --compare profile: traced with and without a CPU profile (/debug/pprof/profile) running over the measured run;
// --compare logs: traced at LOG_LEVEL=info with and without OTLP log export;
// --compare chain: POST / through first → second with OTEL_SDK_DISABLED=true against two plain Elysia hops (both
// processes of each recorded; the leaf behind them, a bare Bun.serve, is not).
// Usage: npm run bench:cpu-split [-- --seconds 8 --rounds 3 --compare disabled|profile|logs]
//   (needs perf: apt-get install linux-perf; root)
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { binaries } from "../tests/support/binaries";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { buildExecutable } from "../tools/build";
import { type Hop, load, median, type Running, requireTools, startChain, startServer, startSink } from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    compare: { type: "string", default: "disabled" },
  },
});
const seconds = Number(values.seconds);

requireTools("bench:cpu-split", ["perf", "wrk"]);

const run = promisify(execFile);
const KINDS = ["JavaScript (JIT)", "Bun runtime (native)", "kernel", "libc", "other"] as const;
type Kind = (typeof KINDS)[number];

function kindOf(dso: string, executables: string[]): Kind {
  if (dso.startsWith("[JIT]")) return "JavaScript (JIT)";
  if (dso === "[kernel.kallsyms]") return "kernel";
  if (dso.startsWith("libc.so") || dso.startsWith("libm.so")) return "libc";
  if (executables.some((path) => path.endsWith(`/${dso}`))) return "Bun runtime (native)";
  return "other";
}

/** perf-records `servers` while wrk loads the first at `path`; µs of CPU per request by kind of code, and wrk's own. */
async function measure(
  servers: Running[],
  executables: string[],
  path: string,
  profiled: boolean,
): Promise<{ perKind: Record<Kind, number>; wrk: number }> {
  const [entry] = servers as [Running];
  const url = `${entry.url}${path}`;
  const script = path === "/" ? postScript : undefined;
  await load(url, 2, script); // warm-up
  const data = join(tmpdir(), `twinbin-perf-${entry.child.pid}.data`);
  try {
    const recording = run("perf", [
      "record",
      "-q",
      "-F",
      "999",
      "-p",
      servers.map((s) => s.child.pid).join(","),
      "-o",
      data,
      "--",
      "sleep",
      String(seconds),
    ]);
    const profile = profiled ? takeProfile(entry) : undefined;
    const { requests, wrkCpu } = await load(url, seconds, script);
    await recording;
    await profile;
    // Each row: period (ns of CPU at cpu-clock) and the DSO the sample was in.
    const { stdout: report } = await run(
      "perf",
      ["report", "-i", data, "--stdio", "--no-children", "--sort", "dso", "-F", "period,dso", "-q"],
      { maxBuffer: 1 << 24 },
    );
    const perKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
    for (const line of report.split("\n")) {
      const match = /^\s*(\d+)\s+(.+?)\s*$/.exec(line);
      if (match) perKind[kindOf(match[2] as string, executables)] += Number(match[1]) / 1000 / requests;
    }
    return { perKind, wrk: wrkCpu / requests };
  } finally {
    rmSync(data, { force: true });
  }
}

/** A CPU profile of the measured run's length, read to the end. */
async function takeProfile(server: Running) {
  const response = await fetch(`${server.url}/debug/pprof/profile?seconds=${seconds}`);
  if (!response.ok) throw new Error(`profile: HTTP ${response.status}`);
  await response.arrayBuffer();
}

const outDir = runScopedTempDir("twinbin-cpu-split-");
const reference = (name: string) =>
  buildExecutable(join(import.meta.dir, "references", `${name}.ts`), join(outDir, name));
const [{ first, second }, bare, elysia] = await Promise.all([binaries(), reference("bare"), reference("elysia")]);
const postScript = join(outDir, "post.lua");
writeFileSync(postScript, 'wrk.method = "POST"\n');
const sink = startSink();
const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: "always_on" };
const disabled = { OTEL_SDK_DISABLED: "true" };

interface Variant {
  /**
   * The processes to record (wrk loads the first), the executables whose own code is "Bun runtime", and any
   * process started to serve them that is not recorded (a chain's leaf).
   */
  start(): Promise<{ servers: Running[]; executables: string[]; unrecorded?: Running[] }>;
  path: "/fib/10" | "/";
  profiled?: boolean;
}
const firstWith = (env: Record<string, string>, profiled = false): Variant => ({
  start: async () => ({
    servers: [await startServer([first], { OTEL_METRICS_EXPORTER: "prometheus", ...env }, "/health")],
    executables: [first],
  }),
  path: "/fib/10",
  profiled,
});
/** Two hops in front of a bare leaf: `hops[0]` → `hops[1]` → leaf; each hop's env names the next one's URL. */
const chainOf = (hops: Hop[]): Variant => ({
  async start() {
    const leaf = await startServer([bare], {}, "/health");
    const servers = await startChain(hops, leaf.url);
    return { servers, executables: hops.map(([command]) => command), unrecorded: [leaf] };
  },
  path: "/",
});
const comparisons: Record<string, Record<string, Variant>> = {
  disabled: { "first, traced": firstWith(traced), "first, OTEL_SDK_DISABLED": firstWith(disabled) },
  profile: { "first, traced, CPU profile running": firstWith(traced, true), "first, traced": firstWith(traced) },
  logs: {
    "first, traced, OTLP logs on (LOG_LEVEL=info)": firstWith({
      ...traced,
      LOG_LEVEL: "info",
      OTEL_LOGS_EXPORTER: "otlp",
    }),
    "first, traced, LOG_LEVEL=info": firstWith({ ...traced, LOG_LEVEL: "info" }),
  },
  chain: {
    "first+second, OTEL_SDK_DISABLED": chainOf([
      [first, (next) => ({ ...disabled, SECOND_URL: next, CHAIN_SLEEP_MAX_MS: "0" })],
      [second, (next) => ({ ...disabled, HTTPBIN_URL: next })],
    ]),
    "plain Elysia chain": chainOf([
      [elysia, (next) => ({ NEXT_URL: next })],
      [elysia, (next) => ({ NEXT_URL: next })],
    ]),
  },
};
const variants = comparisons[values.compare as string];
if (!variants) {
  console.error(`--compare must be one of ${Object.keys(comparisons).join(", ")}`);
  process.exit(1);
}
const samples: Record<string, Record<Kind, number>[]> = {};
const wrkCpu: Record<string, number[]> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, variant] of Object.entries(variants)) {
    const { servers, executables, unrecorded = [] } = await variant.start();
    try {
      const { perKind, wrk } = await measure(servers, executables, variant.path, variant.profiled ?? false);
      samples[name] = [...(samples[name] ?? []), perKind];
      wrkCpu[name] = [...(wrkCpu[name] ?? []), wrk];
      console.error(`round ${round + 1} ${name}: ${KINDS.map((k) => `${k} ${perKind[k].toFixed(1)}`).join(", ")}`);
    } finally {
      for (const server of [...servers, ...unrecorded]) await server.stop();
    }
  }
}
sink.stop();

const names = Object.keys(variants);
console.log(
  `\nCPU µs per ${values.compare === "chain" ? "POST / (both hops)" : "GET /fib/10"} by kind of code: perf record ` +
    `-F 999 on the service processes during wrk -t2 -c50 -d${seconds}s, ` +
    `median of ${values.rounds} interleaved rounds.\n`,
);
console.log(`| code | ${names.join(" | ")} | difference |\n|---|${names.map(() => "---:|").join("")}---:|`);
const med = (name: string, kind: Kind) => median((samples[name] ?? []).map((s) => s[kind]));
for (const kind of [...KINDS, "total"] as const) {
  const value = (name: string) =>
    kind === "total"
      ? median((samples[name] ?? []).map((s) => KINDS.reduce((sum, k) => sum + s[k], 0)))
      : med(name, kind);
  const [measured, reference] = names.map(value) as [number, number];
  console.log(`| ${kind} | ${measured.toFixed(1)} | ${reference.toFixed(1)} | ${(measured - reference).toFixed(1)} |`);
}
const wrkOf = (name: string) => median(wrkCpu[name] ?? []).toFixed(1);
console.log(`| wrk's own CPU (not the service's) | ${names.map(wrkOf).join(" | ")} | |`);
