// How far the SDK-disabled chain can come to a plain Elysia chain while keeping what every twinbin hop needs.
// Three two-hop chains in front of the same bare leaf, in interleaved rounds: plain Elysia relaying with fetch
// (bench/references/elysia.ts), the same app served by twinbin's serving layer and relaying through twinbin's
// upstream client (bench/references/elysia-floor.ts), and first → second with OTEL_SDK_DISABLED=true.
// CPU µs per POST / is utime+stime of both hops (from /proc) ÷ requests; ratios are taken within each round.
// --pin (default): the leaf and the hops share CPU 1 and wrk runs on CPU 0, so that the hops are saturated and the
// load generator never competes with them for a core. That is a different regime (three processes taking turns on
// one core), not a quieter one: read a pinned and an unpinned run side by side.
// Usage: npm run bench:chain-floor [-- --seconds 5 --rounds 7 --no-pin]   (needs wrk and taskset)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { buildExecutable } from "../tools/build";
import { cpuMicros, type Hop, load, median, pinLoadToCpu0, requireTools, startChain, startServer } from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "7" },
    pin: { type: "boolean", default: true },
    "no-pin": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const pinned = values.pin && !values["no-pin"];
if (!Number.isInteger(rounds) || rounds < 1 || !(seconds > 0)) {
  console.error("bench:chain-floor: --rounds must be a whole number ≥ 1 and --seconds a number > 0");
  process.exit(1);
}

requireTools("bench:chain-floor", ["wrk"]);
const onServerCpu = pinned ? pinLoadToCpu0("bench:chain-floor") : [];

const outDir = runScopedTempDir("twinbin-chain-floor-");
const reference = (name: string) =>
  buildExecutable(join(import.meta.dir, "references", `${name}.ts`), join(outDir, name));
const [{ first, second }, bare, elysia, floor] = await Promise.all([
  binaries(),
  reference("bare"),
  reference("elysia"),
  reference("elysia-floor"),
]);
const postScript = join(outDir, "post.lua");
writeFileSync(postScript, 'wrk.method = "POST"\n');
const leaf = await startServer([...onServerCpu, bare], {}, "/health");
const disabled = { OTEL_SDK_DISABLED: "true" };
const relaying = (command: string): Hop => [command, (next) => ({ NEXT_URL: next })];

const chains: Record<string, Hop[]> = {
  "plain Elysia + fetch": [relaying(elysia), relaying(elysia)],
  "plain Elysia + twinbin's serving and upstream client": [relaying(floor), relaying(floor)],
  "first → second, OTEL_SDK_DISABLED": [
    [first, (next) => ({ ...disabled, SECOND_URL: next, CHAIN_SLEEP_MAX_MS: "0" })],
    [second, (next) => ({ ...disabled, HTTPBIN_URL: next })],
  ],
};
const names = Object.keys(chains);
const [referenceName] = names as [string];
interface Sample {
  cpu: number;
  rps: number;
  wrk: number;
}
const samples: Record<string, Sample[]> = Object.fromEntries(names.map((name) => [name, []]));

for (let round = 0; round < rounds; round++) {
  for (const name of names) {
    const hops = await startChain(chains[name] as Hop[], leaf.url, onServerCpu);
    try {
      const url = `${hops[0]?.url}/`;
      await load(url, 2, postScript); // warm-up
      const pids = hops.map((hop) => hop.child.pid as number);
      const before = pids.map(cpuMicros);
      const { requests, rps, wrkCpu } = await load(url, seconds, postScript);
      const cpu = pids.reduce((sum, pid, i) => sum + cpuMicros(pid) - (before[i] as number), 0) / requests;
      samples[name]?.push({ cpu, rps, wrk: wrkCpu / requests });
      console.error(`round ${round + 1} ${name}: ${cpu.toFixed(1)} µs, ${rps.toFixed(0)} req/s`);
    } finally {
      for (const hop of hops) await hop.stop();
    }
  }
}
await leaf.stop();

const of = (name: string) => samples[name] as Sample[];
const withinRound = (name: string, pick: (s: Sample) => number) =>
  of(name).map((s, i) => pick(s) / pick(of(referenceName)[i] as Sample));
const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
console.log(
  `\nPOST / through two hops to a bare leaf, wrk -t2 -c50 -d${seconds}s, ${rounds} interleaved rounds` +
    `${pinned ? ", hops and leaf on CPU 1, wrk on CPU 0" : ""}; medians (range), ratios within each round.\n`,
);
console.log(
  "| chain | CPU µs per request, both hops | × plain by CPU (plain ÷ this) | req/s | × plain by req/s | wrk's CPU µs per request |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const name of names) {
  const cpu = of(name).map((s) => s.cpu);
  const byCpu = withinRound(name, (s) => 1 / s.cpu);
  const rps = of(name).map((s) => s.rps);
  const byRps = withinRound(name, (s) => s.rps);
  console.log(
    `| ${name} | ${median(cpu).toFixed(1)} (${range(cpu, 1)}) | ${median(byCpu).toFixed(2)} (${range(byCpu, 2)}) | ` +
      `${median(rps).toFixed(0)} | ${median(byRps).toFixed(2)} (${range(byRps, 2)}) | ` +
      `${median(of(name).map((s) => s.wrk)).toFixed(1)} |`,
  );
}
