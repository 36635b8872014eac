// What taking a CPU profile costs: wrk -t2 -c50 GET /fib/10 on the compiled first, alternating runs without and
// with a /debug/pprof/profile being taken over the whole run, in one session (target: with / without ≥ 0.97).
// Usage: npm run bench:profiling [-- --seconds 10 --rounds 3]
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { median, startServer, wrk } from "./lib";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, rounds: { type: "string", default: "3" } },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

const { first } = await binaries();
const server = await startServer([first], { OTEL_SDK_DISABLED: "true" });
const without: number[] = [];
const withProfile: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    without.push(await wrk(`${server.url}/fib/10`, seconds));
    // The profile starts before wrk's warm-up and outlasts the measured run.
    const profile = fetch(`${server.url}/debug/pprof/profile?seconds=${Math.ceil(seconds * 1.25) + 3}`);
    await new Promise((r) => setTimeout(r, 200));
    withProfile.push(await wrk(`${server.url}/fib/10`, seconds));
    const response = await profile;
    if (!response.ok) throw new Error(`profile failed: ${response.status}`);
    await response.arrayBuffer();
  }
} finally {
  await server.stop();
}
const a = median(without);
const b = median(withProfile);
console.log(`| GET /fib/10, wrk -t1 -c50 -d${seconds}s, median of ${rounds} | req/s |`);
console.log("|---|---|");
console.log(`| no profile running | ${a.toFixed(0)} |`);
console.log(`| CPU profile (10 ms sampling) running | ${b.toFixed(0)} |`);
console.log(`| ratio (target ≥ 0.97) | ${(b / a).toFixed(3)} |`);
