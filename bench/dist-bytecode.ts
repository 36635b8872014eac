// Does `--bytecode` work when cross-compiling? Builds first for linux-x64 (the host) and linux-arm64, each with
// and without bytecode, and measures start to the first 200 of GET /fib/10 from an empty directory: natively for
// x64, under qemu-user for arm64 (docs/distribution.md). A binary that crashes or never answers fails the run.
// Usage: flock /tmp/twinbin-bench.lock npm run bench:dist-bytecode [-- --runs 5]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emptyDir } from "../tests/support/processes";
import { qemuArm64Command } from "../tests/support/services";
import { buildService } from "../tools/build";
import { TARGETS } from "../tools/targets";
import { median, startupSample } from "./lib";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const outDir = mkdtempSync(join(tmpdir(), "twinbin-bytecode-"));

console.log(`| target | bytecode | size (MiB) | start → first 200 of /fib/10 (ms, median of ${runs}) | runs |`);
console.log("|---|---|---|---|---|");
try {
  for (const name of ["linux-x64", "linux-arm64"]) {
    const target = TARGETS.find((t) => t.name === name);
    if (!target) throw new Error(`no target ${name}`);
    for (const bytecode of [true, false]) {
      const dir = join(outDir, `${name}-${bytecode}`);
      const path = await buildService("first", dir, { target, bytecode });
      const command = name === "linux-arm64" ? qemuArm64Command(path) : [path];
      const cwd = emptyDir();
      await startupSample(command, {}, cwd, "/fib/10", 120_000); // creates and migrates the database
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await startupSample(command, {}, cwd, "/fib/10", 120_000));
      const ms = median(samples.map((s) => s.ms));
      const size = statSync(path).size / 2 ** 20;
      const all = samples.map((s) => s.ms.toFixed(0)).join(", ");
      console.log(`| ${name} | ${bytecode ? "yes" : "no"} | ${size.toFixed(1)} | ${ms.toFixed(0)} | ${all} |`);
    }
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
