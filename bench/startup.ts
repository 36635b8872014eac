// Size, start-to-first-200 and idle RSS of the compiled binaries, run from an empty directory (no node_modules).
// Usage: npm run bench:startup [-- --runs 20]     (builds first; prints a Markdown table)
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { freePort } from "../tests/support/ports";
import { emptyDir } from "../tests/support/processes";

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } });
const runs = Number(values.runs);

async function firstOkMs(binary: string, cwd: string): Promise<{ ms: number; rssMiB: number }> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(binary, [], {
    cwd,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        if (response.status === 200) break;
      } catch {}
      if (performance.now() - began > 10_000) throw new Error(`${binary} did not answer within 10 s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    const ms = performance.now() - began;
    await new Promise((r) => setTimeout(r, 500));
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return { ms, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const bins = await binaries();
console.log(
  `| binary | size (MiB) | first start, new database (ms) | restart → first 200 (ms, median of ${runs}) | idle RSS (MiB) |`,
);
console.log("|---|---|---|---|---|");
for (const [name, path] of Object.entries(bins)) {
  // The first start creates and migrates the database; later ones find it, as a restarted service does.
  const cwd = emptyDir();
  const fresh = await firstOkMs(path, cwd);
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await firstOkMs(path, cwd));
  const size = statSync(path).size / 1024 / 1024;
  const ms = median(samples.map((s) => s.ms));
  const rss = median(samples.map((s) => s.rssMiB));
  console.log(`| ${name} | ${size.toFixed(1)} | ${fresh.ms.toFixed(0)} | ${ms.toFixed(0)} | ${rss.toFixed(0)} |`);
}
