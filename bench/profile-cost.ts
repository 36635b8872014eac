// What a running CPU profile costs, and how much of that is JavaScriptCore's sampler itself. In interleaved rounds,
// each pair with and without sampling over the measured run: a bare Bun.serve reference (bench/references/sampled.ts)
// whose sampler is twinbin's own, creating no records per GET /fib/10 and then --records span-sized records (kept
// in a ring, as queued spans are); then the compiled first with OTEL_SDK_DISABLED=true and traced (100% sampled,
// OTLP protobuf to a local sink, Prometheus on), profiled through /debug/pprof/profile. CPU µs per request is
// utime+stime of the service (from /proc) ÷ requests; ratios are taken within each round.
// The service runs on CPU 1 and wrk on CPU 0, so the service has a core to itself.
// Usage: npm run bench:profile-cost [-- --seconds 5 --rounds 7 --records 20]   (needs wrk and taskset)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { buildExecutable } from "../tools/build";
import {
  cpuMicros,
  load,
  median,
  pinLoadToCpu0,
  requireTools,
  rssMiB,
  startServer,
  startSink,
  tracedEnv,
  wholeNumbers,
} from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "7" },
    records: { type: "string", default: "20" },
  },
});
const { seconds, rounds, records } = wholeNumbers("bench:profile-cost", values, ["seconds", "rounds", "records"]);
requireTools("bench:profile-cost", ["wrk"]);
const onServerCpu = pinLoadToCpu0("bench:profile-cost");

const outDir = runScopedTempDir("twinbin-profile-cost-");
const [{ first }, sampled] = await Promise.all([
  binaries(),
  buildExecutable(join(import.meta.dir, "references", "sampled.ts"), join(outDir, "sampled")),
]);
const sink = startSink();
const traced = tracedEnv(sink.url);

interface Subject {
  command: string;
  env: Record<string, string>;
  /** The path that samples the process for `seconds`, answering when done. */
  profile: string;
}
const subjects: Record<string, Subject> = {
  "bare Bun.serve, no records": { command: sampled, env: { SAMPLED_RECORDS: "0" }, profile: "/sample" },
  [`bare Bun.serve, ${records} records per request`]: {
    command: sampled,
    env: { SAMPLED_RECORDS: String(records) },
    profile: "/sample",
  },
  "first, OTEL_SDK_DISABLED": { command: first, env: { OTEL_SDK_DISABLED: "true" }, profile: "/debug/pprof/profile" },
  "first, traced": { command: first, env: traced, profile: "/debug/pprof/profile" },
};

interface Sample {
  cpu: number;
  rps: number;
  wrk: number;
  rss: number;
}
const samples: Record<string, [Sample[], Sample[]]> = Object.fromEntries(
  Object.keys(subjects).map((name) => [name, [[], []]]),
);

async function measure(subject: Subject, sampling: boolean): Promise<Sample> {
  const server = await startServer([...onServerCpu, subject.command], subject.env, "/health");
  try {
    const url = `${server.url}/fib/10`;
    await load(url, 2); // warm-up
    const pid = server.child.pid as number;
    const before = cpuMicros(pid);
    const profile = sampling
      ? fetch(`${server.url}${subject.profile}?seconds=${seconds}`).then((r) => r.arrayBuffer())
      : undefined;
    const [{ requests, rps, wrkCpu }] = await Promise.all([load(url, seconds), profile]);
    return { cpu: (cpuMicros(pid) - before) / requests, rps, wrk: wrkCpu / requests, rss: rssMiB(pid) };
  } finally {
    await server.stop();
  }
}

for (let round = 0; round < rounds; round++) {
  for (const [name, subject] of Object.entries(subjects)) {
    for (const sampling of round % 2 === 0 ? [false, true] : [true, false]) {
      const sample = await measure(subject, sampling);
      samples[name]?.[sampling ? 1 : 0].push(sample);
      console.error(
        `round ${round + 1} ${name}${sampling ? ", sampled" : ""}: ${sample.cpu.toFixed(1)} µs, ${sample.rps.toFixed(0)} req/s`,
      );
    }
  }
}
sink.stop();

const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
console.log(
  `\nGET /fib/10, wrk -t2 -c50 -d${seconds}s, ${rounds} interleaved rounds, service on CPU 1 and wrk on CPU 0; ` +
    "sampled: JavaScriptCore's sampler at 100 Hz over the whole run. Medians; ratios (range) within each round.\n",
);
console.log(
  "| process | CPU µs/req, not sampled → sampled | ratio by CPU (not ÷ sampled) | ratio by req/s (sampled ÷ not) | RSS after MiB | wrk CPU µs/req |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const [name, [off, on]] of Object.entries(samples)) {
  const byCpu = off.map((s, i) => s.cpu / (on[i] as Sample).cpu);
  const byRps = off.map((s, i) => (on[i] as Sample).rps / s.rps);
  const m = (list: Sample[], pick: (s: Sample) => number) => median(list.map(pick)).toFixed(1);
  console.log(
    `| ${name} | ${m(off, (s) => s.cpu)} → ${m(on, (s) => s.cpu)} | ${median(byCpu).toFixed(2)} (${range(byCpu)}) | ` +
      `${median(byRps).toFixed(2)} (${range(byRps)}) | ${m(off, (s) => s.rss)} → ${m(on, (s) => s.rss)} | ` +
      `${m(off, (s) => s.wrk)} → ${m(on, (s) => s.wrk)} |`,
  );
}
