// `npm run flamegraph -- --url http://localhost:5000 --seconds 10 --out fib.svg`: fetches a CPU profile from a
// service's /debug/pprof/profile and renders it as an SVG flame graph, for people without Parca.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { decodeProfile } from "../shared/profiling/decode";
import { renderFlameGraph } from "./flamegraph/render";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:5000" },
    seconds: { type: "string", default: "10" },
    out: { type: "string", default: "flamegraph.svg" },
  },
});

const endpoint = `${values.url.replace(/\/$/, "")}/debug/pprof/profile?seconds=${values.seconds}`;
console.error(`profiling ${values.url} for ${values.seconds} s…`);
const response = await fetch(endpoint).catch((error: Error) => {
  console.error(`cannot reach ${endpoint}: ${error.message}`);
  process.exit(1);
});
if (!response.ok) {
  console.error(`${endpoint} answered ${response.status}: ${await response.text()}`);
  process.exit(1);
}
const { stacks } = decodeProfile(new Uint8Array(await response.arrayBuffer()));
if (stacks.length === 0) {
  console.error("the profile has no samples: was the service busy? Put load on it (npm run load) while profiling.");
  process.exit(1);
}
writeFileSync(
  values.out,
  renderFlameGraph(stacks, `CPU ${values.url} — ${stacks.length} samples over ${values.seconds} s`),
);
console.error(`${values.out} written (${stacks.length} samples)`);
