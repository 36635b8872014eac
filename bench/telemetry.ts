// The telemetry bars of issue 3, measured in one run on one machine (wrk -t1 -c50, GET /fib/10, loopback only):
//   traced (100% sampled, batch export to a local sink) / untraced req/s ≥ 0.70; metrics on / off ≥ 0.95;
//   compiled first: start to first 200 ≤ 50 ms, idle RSS ≤ 45 MB, ≤ 70 MB after 10k traced requests;
// and @elysiajs/opentelemetry against twinbin's own instrumentation on the same minimal app.
// Usage: npm run bench:telemetry [-- --seconds 10]      (needs wrk: sudo apt-get install wrk)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { emptyDir } from "../tests/support/processes";
import { hammer, median, rssMiB, startServer, startSink, startupSample, wrk } from "./lib";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "8" }, rounds: { type: "string", default: "3" } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const bun = process.execPath;
const here = import.meta.dir;

const comparison = join(here, "plugin-comparison");
if (!existsSync(join(comparison, "node_modules"))) {
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: comparison, stdio: "inherit" });
}

const { first } = await binaries();
const sink = startSink();
const traces = `${sink.url}/v1/traces`;
const rows: string[] = [];
const row = (...cells: (string | number)[]) => rows.push(`| ${cells.join(" | ")} |`);

async function throughput(command: string[], env: Record<string, string>): Promise<number> {
  const server = await startServer(command, env);
  try {
    return wrk(`${server.url}/fib/10`, seconds);
  } finally {
    await server.stop();
  }
}

// Start-up first, on a quiet machine: the compiled first with its defaults (traces + metrics on).
const cwd = emptyDir("twinbin-bench-");
await startupSample([first], { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }, cwd); // creates the database
const starts = [];
for (let i = 0; i < 10; i++) starts.push(await startupSample([first], { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }, cwd));

// Throughput variants, interleaved over several rounds (shared machines drift); the median of each is reported.
const off = { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" };
const variants: Record<string, Record<string, string>> = {
  untraced: off,
  traced: { OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "always_on", OTEL_METRICS_EXPORTER: "none" },
  metricsOn: { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "prometheus" },
  everything: { OTEL_TRACES_SAMPLER: "always_on" },
  disabled: { OTEL_SDK_DISABLED: "true" },
};
const samples: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, env] of Object.entries(variants)) {
    const rate = await throughput([first], { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...env });
    samples[name] = [...(samples[name] ?? []), rate];
  }
}
const rate = (name: string) => median(samples[name] ?? []);
const [untraced, traced, metricsOn, everything, disabled] = [
  rate("untraced"),
  rate("traced"),
  rate("metricsOn"),
  rate("everything"),
  rate("disabled"),
];

// Memory of the compiled first under traced load.
const server = await startServer([first], { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: "always_on" });
await new Promise((r) => setTimeout(r, 1000));
const idle = rssMiB(server.child.pid as number);
await hammer(`${server.url}/fib/10`, 10_000);
await new Promise((r) => setTimeout(r, 1000));
const loaded = rssMiB(server.child.pid as number);
await server.stop();

// The design's plugin against ours, on the same minimal Elysia app, from source.
const plugin = (traced: boolean) =>
  throughput([bun, join(comparison, "with-plugin.ts")], { TRACED: traced ? "1" : "0", OTLP_URL: traces });
const ours = (traced: boolean) =>
  throughput([bun, join(comparison, "with-twinbin.ts")], { TRACED: traced ? "1" : "0", OTLP_URL: traces });
const pairs: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries({
    pluginOff: () => plugin(false),
    pluginOn: () => plugin(true),
    oursOff: () => ours(false),
    oursOn: () => ours(true),
  })) {
    const rate = await run();
    pairs[name] = [...(pairs[name] ?? []), rate];
  }
}
const [pluginOff, pluginOn, oursOff, oursOn] = ["pluginOff", "pluginOn", "oursOff", "oursOn"].map((n) =>
  median(pairs[n] ?? []),
) as [number, number, number, number];
async function startOf(file: string): Promise<number> {
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const env = { TRACED: "1", OTLP_URL: traces };
    samples.push((await startupSample([bun, join(comparison, file)], env, cwd, "/fib/1")).ms);
  }
  return median(samples);
}
const pluginStart = await startOf("with-plugin.ts");
const oursStart = await startOf("with-twinbin.ts");
sink.stop();

const r2 = (x: number) => x.toFixed(2);
const verdict = (ok: boolean) => (ok ? "meets" : "**misses**");
console.log(`Compiled first, GET /fib/10, wrk -t1 -c50 -d${seconds}s, median of ${rounds} interleaved rounds:\n`);
row("variant", "req/s");
rows.push("|---|---|");
row("telemetry off (traces none, metrics none)", untraced.toFixed(0));
row("traces on, 100% sampled, batch OTLP to a local sink", traced.toFixed(0));
row("metrics on (Prometheus)", metricsOn.toFixed(0));
row("traces + metrics on", everything.toFixed(0));
row("OTEL_SDK_DISABLED=true", disabled.toFixed(0));
console.log(rows.splice(0).join("\n"));
console.log("\n| bar | measured | target | |\n|---|---|---|---|");
row("traced / untraced", r2(traced / untraced), "≥ 0.70", verdict(traced / untraced >= 0.7));
row("metrics on / off", r2(metricsOn / untraced), "≥ 0.95", verdict(metricsOn / untraced >= 0.95));
const startMs = median(starts.map((s) => s.ms));
row("start → first 200 (median of 10 restarts)", `${startMs.toFixed(0)} ms`, "≤ 50 ms", verdict(startMs <= 50));
row("idle RSS", `${idle.toFixed(0)} MiB`, "≤ 45 MB", verdict(idle <= 45));
row("RSS after 10k traced requests", `${loaded.toFixed(0)} MiB`, "≤ 70 MB", verdict(loaded <= 70));
console.log(rows.splice(0).join("\n"));
console.log("\nSame minimal Elysia app (GET /fib/:n), from source, traced = 100% sampled batch OTLP export:\n");
row("instrumentation", "untraced req/s", "traced req/s", "traced / untraced", "start → first 200 (ms)");
rows.push("|---|---|---|---|---|");
row(
  "@elysiajs/opentelemetry 1.4.11",
  pluginOff.toFixed(0),
  pluginOn.toFixed(0),
  r2(pluginOn / pluginOff),
  pluginStart.toFixed(0),
);
row("twinbin shared/telemetry", oursOff.toFixed(0), oursOn.toFixed(0), r2(oursOn / oursOff), oursStart.toFixed(0));
console.log(rows.splice(0).join("\n"));
