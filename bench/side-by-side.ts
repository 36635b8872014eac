// Small costs on a host whose speed drifts: a reference and a subject run at the same time, both on CPU 1, each
// under its own wrk (both on CPU 0), so a slower minute slows both alike and their ratio within a round holds.
// Each round starts two fresh compiled first processes (which one starts first alternates) and loads both with GET
// /fib/10 for --seconds; the chain pairs start two two-hop chains instead (in front of one bare leaf, also on CPU 1,
// whose CPU is not counted) and load both with POST /. "× ref" is the reference's CPU µs per request (all its hops)
// ÷ the subject's (1.00 = costs nothing), with req/s subject ÷ reference beside it. The "null" pairs run the same
// configuration twice: their spread is the method's own.
// CPU 1 busy is both sides' CPU over the run (a chain's leaf not counted): near 100% means they were saturated, not
// waiting on wrk; CPU 0 busy is both wrk processes' CPU over the run, so a load generator at its limit would show.
// Usage: npm run bench:side-by-side [-- --seconds 8 --rounds 9 --pair profile]   (needs wrk and taskset)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { buildExecutable } from "../tools/build";
import {
  cpuMicros,
  type Hop,
  load,
  median,
  pinLoadToCpu0,
  type Running,
  requireTools,
  startChain,
  startServer,
  startSink,
  tracedEnv,
  wholeNumbers,
} from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "9" },
    /** Only these pairs (repeatable); all when absent. */
    pair: { type: "string", multiple: true },
  },
});
const { seconds, rounds } = wholeNumbers("bench:side-by-side", values, ["seconds", "rounds"]);
requireTools("bench:side-by-side", ["wrk"]);
const onServerCpu = pinLoadToCpu0("bench:side-by-side");
const sink = startSink();

const traced = tracedEnv(sink.url);
const disabled = { OTEL_SDK_DISABLED: "true" };

interface Side {
  /** A compiled first with this environment, or a chain of hops (entry first). */
  env?: Record<string, string>;
  chain?: () => Promise<Hop[]>;
  /** Started with the measured load and awaited after it (e.g. a CPU profile of the same length). */
  during?: (server: Running) => Promise<void>;
}
interface Pair {
  what: string;
  reference: Side;
  subject: Side;
  target?: number;
}

const outDir = runScopedTempDir("twinbin-side-by-side-");
const references = new Map<string, Promise<string>>();
const reference = (name: string) => {
  let built = references.get(name);
  if (!built) {
    built = buildExecutable(join(import.meta.dir, "references", `${name}.ts`), join(outDir, name));
    references.set(name, built);
  }
  return built;
};
const relaying = async (name: string, env: Record<string, string> = {}): Promise<Hop[]> => {
  const hop: Hop = [await reference(name), (next) => ({ ...env, NEXT_URL: next })];
  return [hop, hop];
};
const plainChain = () => relaying("elysia");
const postScript = join(outDir, "post.lua");
writeFileSync(postScript, 'wrk.method = "POST"\n');
const profiled = async (server: Running) => {
  const response = await fetch(`${server.url}/debug/pprof/profile?seconds=${seconds}`);
  if (response.status !== 200) throw new Error(`profile: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
};
const pairs: Record<string, Pair> = {
  null: { what: "first traced, twice (the method's own spread)", reference: { env: traced }, subject: { env: traced } },
  metrics: {
    what: "first traced: metrics on (subject) / off (reference)",
    reference: { env: { ...traced, OTEL_METRICS_EXPORTER: "none" } },
    subject: { env: traced },
    target: 0.95,
  },
  profile: {
    what: "first traced: CPU profile running (subject) / not",
    reference: { env: traced },
    subject: { env: traced, during: profiled },
    target: 0.97,
  },
  "profile-19hz": {
    what: "first traced: CPU profile at CPU_PROFILE_HZ=19 running (subject) / not",
    reference: { env: traced },
    subject: { env: { ...traced, CPU_PROFILE_HZ: "19" }, during: profiled },
    target: 0.97,
  },
  "profile-1hz": {
    what: "first traced: CPU profile at CPU_PROFILE_HZ=1 running (subject) / not",
    reference: { env: traced },
    subject: { env: { ...traced, CPU_PROFILE_HZ: "1" }, during: profiled },
    target: 0.97,
  },
  "profile-disabled": {
    what: "first OTEL_SDK_DISABLED: CPU profile running (subject) / not",
    reference: { env: disabled },
    subject: { env: disabled, during: profiled },
    target: 0.97,
  },
  logs: {
    what: "first traced, LOG_LEVEL=info: OTLP logs on (subject) / off",
    reference: { env: { ...traced, LOG_LEVEL: "info" } },
    subject: { env: { ...traced, LOG_LEVEL: "info", OTEL_LOGS_EXPORTER: "otlp" } },
  },
  "chain-null": {
    what: "chain: plain Elysia + fetch, twice (the method's own spread)",
    reference: { chain: plainChain },
    subject: { chain: plainChain },
  },
  "chain-floor": {
    what: "chain: plain Elysia with twinbin's serving layer and upstream client (subject) / plain Elysia + fetch",
    reference: { chain: plainChain },
    subject: { chain: () => relaying("elysia-floor") },
  },
  "chain-serving": {
    what: "chain: plain Elysia served by twinbin's serving layer, relaying with fetch (subject) / plain Elysia + fetch",
    reference: { chain: plainChain },
    subject: { chain: () => relaying("elysia-floor", { FLOOR_PARTS: "serving" }) },
  },
  "chain-upstream": {
    what: "chain: plain Elysia relaying through twinbin's upstream client (subject) / plain Elysia + fetch",
    reference: { chain: plainChain },
    subject: { chain: () => relaying("elysia-floor", { FLOOR_PARTS: "upstream" }) },
  },
  "chain-disabled": {
    what: "chain: first → second, OTEL_SDK_DISABLED (subject) / plain Elysia + fetch",
    reference: { chain: plainChain },
    subject: {
      chain: async () => {
        const { first, second } = await binaries();
        return [
          [first, (next) => ({ ...disabled, SECOND_URL: next, CHAIN_SLEEP_MAX_MS: "0" })],
          [second, (next) => ({ ...disabled, HTTPBIN_URL: next })],
        ];
      },
    },
    target: 0.95,
  },
};
const chosen = values.pair ?? Object.keys(pairs);
const unknown = chosen.filter((name) => !(name in pairs));
if (unknown.length > 0) {
  console.error(`bench:side-by-side: unknown --pair ${unknown.join(", ")} (known: ${Object.keys(pairs).join(", ")})`);
  process.exit(1);
}
const { first } = await binaries();

interface Round {
  ratio: number;
  rpsRatio: number;
  reference: number;
  subject: number;
  referenceRps: number;
  subjectRps: number;
  busy: number;
  wrkCpu: number;
  /** Both wrk processes' CPU over the run, as a share of CPU 0: well under 100% means the load generator was not the limit. */
  wrkBusy: number;
}

let leaf: Running | undefined;
/** Starts a side: its processes, entry first. */
async function start(side: Side): Promise<Running[]> {
  if (!side.chain) return [await startServer([...onServerCpu, first], side.env ?? {}, "/health")];
  leaf ??= await startServer([...onServerCpu, await reference("bare")], {}, "/health");
  return startChain(await side.chain(), leaf.url, onServerCpu);
}
const cpuOf = (processes: Running[]) => processes.reduce((sum, p) => sum + cpuMicros(p.child.pid as number), 0);

async function round(pair: Pair, subjectFirst: boolean): Promise<Round> {
  const sides: Running[][] = [];
  try {
    for (const side of subjectFirst ? [pair.subject, pair.reference] : [pair.reference, pair.subject]) {
      sides.push(await start(side));
    }
    const [subject, reference] = (subjectFirst ? sides : [...sides].reverse()) as [Running[], Running[]];
    const [path, script] = pair.subject.chain ? ["/", postScript] : ["/fib/10", undefined];
    const url = (side: Running[]) => `${side[0]?.url}${path}`;
    await Promise.all([load(url(subject), 2, script), load(url(reference), 2, script)]); // warm-up
    const before = [cpuOf(subject), cpuOf(reference)];
    const began = performance.now();
    const [subjectRun, referenceRun] = await Promise.all([
      load(url(subject), seconds, script),
      load(url(reference), seconds, script),
      pair.subject.during?.(subject[0] as Running),
      pair.reference.during?.(reference[0] as Running),
    ]);
    const elapsedMicros = (performance.now() - began) * 1000;
    const subjectCpu = cpuOf(subject) - (before[0] as number);
    const referenceCpu = cpuOf(reference) - (before[1] as number);
    const subjectPerRequest = subjectCpu / subjectRun.requests;
    const referencePerRequest = referenceCpu / referenceRun.requests;
    return {
      ratio: referencePerRequest / subjectPerRequest,
      rpsRatio: subjectRun.rps / referenceRun.rps,
      reference: referencePerRequest,
      subject: subjectPerRequest,
      referenceRps: referenceRun.rps,
      subjectRps: subjectRun.rps,
      busy: (subjectCpu + referenceCpu) / elapsedMicros,
      wrkCpu: (subjectRun.wrkCpu + referenceRun.wrkCpu) / (subjectRun.requests + referenceRun.requests),
      wrkBusy: (subjectRun.wrkCpu + referenceRun.wrkCpu) / elapsedMicros,
    };
  } finally {
    await Promise.all(sides.flat().map((s) => s.stop()));
  }
}

const results: Record<string, Round[]> = Object.fromEntries(chosen.map((name) => [name, []]));
for (let i = 0; i < rounds; i++) {
  for (const name of chosen) {
    const r = await round(pairs[name] as Pair, i % 2 === 0);
    (results[name] as Round[]).push(r);
    console.error(
      `round ${i + 1} ${name}: × ref ${r.ratio.toFixed(3)} (ref ${r.reference.toFixed(1)} µs, subject ` +
        `${r.subject.toFixed(1)} µs), req/s ${r.rpsRatio.toFixed(3)}, CPU 1 busy ${(r.busy * 100).toFixed(0)}%`,
    );
  }
}
sink.stop();
await leaf?.stop();

const f = (n: number, digits = 2) => n.toFixed(digits);
const range = (xs: number[]) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
console.log(
  `\nbench:side-by-side — GET /fib/10 (chains: POST /), ${rounds} rounds × ${seconds} s, both sides on CPU 1, wrk -t2 -c50 each on CPU 0`,
);
console.log(
  "| pair | × ref by CPU, median [range] | req/s subject ÷ ref, median | CPU µs/req ref → subject (medians) | req/s ref → subject | CPU 1 busy | wrk CPU µs/req | CPU 0 busy (wrk) | target |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
for (const name of chosen) {
  const rs = results[name] as Round[];
  const pick = (key: keyof Round) => median(rs.map((r) => r[key]));
  const pair = pairs[name] as Pair;
  const ratio = pick("ratio");
  const target = pair.target === undefined ? "—" : `≥ ${pair.target}: ${ratio >= pair.target ? "met" : "missed"}`;
  console.log(
    `| ${pair.what} | ${f(ratio)} [${range(rs.map((r) => r.ratio))}] | ${f(pick("rpsRatio"))} | ` +
      `${f(pick("reference"), 1)} → ${f(pick("subject"), 1)} | ${f(pick("referenceRps"), 0)} → ` +
      `${f(pick("subjectRps"), 0)} | ${f(pick("busy") * 100, 0)}% | ${f(pick("wrkCpu"), 1)} | ` +
      `${f(pick("wrkBusy") * 100, 0)}% | ${target} |`,
  );
}
