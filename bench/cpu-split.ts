// Where the CPU of a GET /fib/10 goes, by kind of code, measured with `perf` on the compiled first under the same load
// as bench/cost.ts (wrk -t2 -c50, OTLP protobuf to a local sink, Prometheus on): traced and with
// OTEL_SDK_DISABLED=true, in interleaved rounds. Samples are split by where the CPU was: JIT-compiled JavaScript,
// the Bun runtime's native code (C++/Zig: the interpreter, built-ins such as Headers and fetch, the garbage
// collector), the kernel (syscalls, TCP on loopback, page faults) and libc. The JavaScript profiler inside the
// binary (`bun:jsc`) charges native and GC time to whichever JavaScript frame was on top, so it cannot tell these
// apart; perf samples the whole thread.
// --compare profile: traced with and without a CPU profile (/debug/pprof/profile) running over the measured run;
// --compare logs: traced at LOG_LEVEL=info with and without OTLP log export.
// Usage: npm run bench:cpu-split [-- --seconds 8 --rounds 3 --compare disabled|profile|logs]
//   (needs perf: apt-get install linux-perf; root)
import { execFile, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { binaries } from "../tests/support/binaries";
import { load, median, type Running, startServer, startSink } from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    compare: { type: "string", default: "disabled" },
  },
});
const seconds = Number(values.seconds);

for (const tool of ["perf", "wrk"]) {
  if (spawnSync(tool, ["--version"]).error) {
    console.error(`bench:cpu-split needs ${tool}: sudo apt-get install -y ${tool === "perf" ? "linux-perf" : "wrk"}`);
    process.exit(1);
  }
}

const run = promisify(execFile);
const KINDS = ["JavaScript (JIT)", "Bun runtime (native)", "kernel", "libc", "other"] as const;
type Kind = (typeof KINDS)[number];

function kindOf(dso: string, binary: string): Kind {
  if (dso.startsWith("[JIT]")) return "JavaScript (JIT)";
  if (dso === "[kernel.kallsyms]") return "kernel";
  if (dso.startsWith("libc.so") || dso.startsWith("libm.so")) return "libc";
  if (binary.endsWith(`/${dso}`)) return "Bun runtime (native)";
  return "other";
}

/** perf-records `server` while wrk loads it; µs of CPU per request by kind of code, and wrk's own. */
async function measure(
  server: Running,
  binary: string,
  profiled: boolean,
): Promise<{ perKind: Record<Kind, number>; wrk: number }> {
  const url = `${server.url}/fib/10`;
  await load(url, 2); // warm-up
  const data = join(tmpdir(), `twinbin-perf-${server.child.pid}.data`);
  try {
    const recording = run("perf", [
      "record",
      "-q",
      "-F",
      "999",
      "-p",
      String(server.child.pid),
      "-o",
      data,
      "--",
      "sleep",
      String(seconds),
    ]);
    const profile = profiled ? takeProfile(server) : undefined;
    const { requests, wrkCpu } = await load(url, seconds);
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
      if (match) perKind[kindOf(match[2] as string, binary)] += Number(match[1]) / 1000 / requests;
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

const { first } = await binaries();
const sink = startSink();
const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: "always_on" };
interface Variant {
  env: Record<string, string>;
  profiled?: boolean;
}
const comparisons: Record<string, Record<string, Variant>> = {
  disabled: { "first, traced": { env: traced }, "first, OTEL_SDK_DISABLED": { env: { OTEL_SDK_DISABLED: "true" } } },
  profile: { "first, traced, CPU profile running": { env: traced, profiled: true }, "first, traced": { env: traced } },
  logs: {
    "first, traced, OTLP logs on (LOG_LEVEL=info)": {
      env: { ...traced, LOG_LEVEL: "info", OTEL_LOGS_EXPORTER: "otlp" },
    },
    "first, traced, LOG_LEVEL=info": { env: { ...traced, LOG_LEVEL: "info" } },
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
  for (const [name, { env, profiled = false }] of Object.entries(variants)) {
    const server = await startServer([first], { OTEL_METRICS_EXPORTER: "prometheus", ...env }, "/health");
    try {
      const { perKind, wrk } = await measure(server, first, profiled);
      samples[name] = [...(samples[name] ?? []), perKind];
      wrkCpu[name] = [...(wrkCpu[name] ?? []), wrk];
      console.error(`round ${round + 1} ${name}: ${KINDS.map((k) => `${k} ${perKind[k].toFixed(1)}`).join(", ")}`);
    } finally {
      await server.stop();
    }
  }
}
sink.stop();

const names = Object.keys(variants);
console.log(
  `\nCPU µs per GET /fib/10 by kind of code: perf record -F 999 on the service during wrk -t2 -c50 -d${seconds}s, ` +
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
