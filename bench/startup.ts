// Size, start-to-first-200 and idle RSS of the compiled binaries, run from an empty directory (no node_modules).
// Usage: npm run bench:startup [-- --runs 20]     (builds first; prints a Markdown table)
import { statSync } from "node:fs";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { emptyDir } from "../tests/support/processes";
import { median, startupSample } from "./lib";

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(values.runs);

const bins = await binaries();
console.log(
  `| binary | size (MiB) | first start, new database (ms) | restart → first 200 (ms, median of ${runs}) | idle RSS (MiB) |`,
);
console.log("|---|---|---|---|---|");
for (const [name, path] of Object.entries(bins)) {
  // The first start creates and migrates the database; later ones find it, as a restarted service does.
  const cwd = emptyDir();
  const fresh = await startupSample([path], {}, cwd);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await startupSample([path], {}, cwd));
  const size = statSync(path).size / 1024 / 1024;
  const ms = median(samples.map((s) => s.ms));
  const rss = median(samples.map((s) => s.rssMiB));
  console.log(`| ${name} | ${size.toFixed(1)} | ${fresh.ms.toFixed(0)} | ${ms.toFixed(0)} | ${rss.toFixed(0)} |`);
}
