// `npm run load -- --url http://localhost:5000 --duration 60 --concurrency 4` (or `--count 10000`): the original
// blueprint's load, GET /fib/<random 1..31>, bounded by count or duration, with a progress line every second.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:5000" },
    duration: { type: "string", default: "30" },
    count: { type: "string" },
    concurrency: { type: "string", default: "4" },
    "max-n": { type: "string", default: "31" },
  },
});

const base = values.url.replace(/\/$/, "");
const concurrency = Number(values.concurrency);
const maxN = Number(values["max-n"]);
const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
const deadline = values.count === undefined ? Date.now() + Number(values.duration) * 1000 : Number.POSITIVE_INFINITY;
if (![concurrency, maxN].every((v) => Number.isInteger(v) && v > 0) || Number.isNaN(count) || Number.isNaN(deadline)) {
  console.error("usage: --url URL [--duration SECONDS | --count N] [--concurrency N] [--max-n N]");
  process.exit(2);
}

let sent = 0;
let ok = 0;
let failed = 0;
let lastOk = 0;
const started = Date.now();
const progress = setInterval(() => {
  const seconds = (Date.now() - started) / 1000;
  console.log(`${seconds.toFixed(0)}s  ${ok} ok  ${failed} failed  ${ok - lastOk} req/s`);
  lastOk = ok;
}, 1000);

async function worker() {
  while (sent < count && Date.now() < deadline) {
    sent++;
    const n = 1 + Math.floor(Math.random() * maxN);
    try {
      const response = await fetch(`${base}/fib/${n}`, { signal: AbortSignal.timeout(30_000) });
      await response.arrayBuffer();
      if (response.ok) ok++;
      else failed++;
    } catch {
      failed++;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(progress);
const seconds = (Date.now() - started) / 1000;
console.log(`done: ${ok} ok, ${failed} failed in ${seconds.toFixed(1)} s (${(ok / seconds).toFixed(0)} req/s)`);
process.exit(failed > 0 ? 1 : 0);
