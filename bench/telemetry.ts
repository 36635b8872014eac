// @elysiajs/opentelemetry against twinbin's own instrumentation on the same minimal Elysia app (GET /fib/:n), from
// source, traced = 100% sampled batch OTLP export to a local sink; req/s with wrk -t2 -c50, interleaved rounds.
// The cost of telemetry in the services themselves, against bare Bun.serve and plain Elysia, is bench/cost.ts.
// Usage: npm run bench:telemetry [-- --seconds 10 --rounds 3]      (needs wrk: sudo apt-get install wrk)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emptyDir } from "../tests/support/processes";
import { median, startServer, startSink, startupSample, wrk } from "./lib";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "8" }, rounds: { type: "string", default: "3" } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const bun = process.execPath;
const comparison = join(import.meta.dir, "plugin-comparison");
if (!existsSync(join(comparison, "node_modules"))) {
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: comparison, stdio: "inherit" });
}

const sink = startSink();
const traces = `${sink.url}/v1/traces`;
async function throughput(file: string, traced: boolean): Promise<number> {
  const server = await startServer([bun, join(comparison, file)], { TRACED: traced ? "1" : "0", OTLP_URL: traces });
  try {
    return await wrk(`${server.url}/fib/10`, seconds);
  } finally {
    await server.stop();
  }
}

const runs: Record<string, () => Promise<number>> = {
  pluginOff: () => throughput("with-plugin.ts", false),
  pluginOn: () => throughput("with-plugin.ts", true),
  oursOff: () => throughput("with-twinbin.ts", false),
  oursOn: () => throughput("with-twinbin.ts", true),
};
const rates: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(runs)) rates[name] = [...(rates[name] ?? []), await run()];
}
const rate = (name: string) => median(rates[name] ?? []);

const cwd = emptyDir("twinbin-bench-");
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

const row = (name: string, off: number, on: number, start: number) =>
  console.log(`| ${name} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(on / off).toFixed(2)} | ${start.toFixed(0)} |`);
console.log(`wrk -t2 -c50 -d${seconds}s GET /fib/10, median of ${rounds} interleaved rounds:\n`);
console.log("| instrumentation | untraced req/s | traced req/s | traced / untraced | start → first 200 (ms) |");
console.log("|---|---|---|---|---|");
row("@elysiajs/opentelemetry 1.4.11", rate("pluginOff"), rate("pluginOn"), pluginStart);
row("twinbin shared/telemetry", rate("oursOff"), rate("oursOn"), oursStart);
