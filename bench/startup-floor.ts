// Where first's start-up time and idle memory go, against references built the same way in the same run:
// bare Bun.serve, plain Elysia, plain Elysia carrying first's whole bundle unrun, plain Elysia with every module first
// imports evaluated but nothing started, and first itself (telemetry on with its defaults, embedded database), also
// built without laying its bytecode out by its start-up (tools/bytecode-order.ts) to show what that layout saves.
// Each restart is timed from spawn to the first 200 on /health; variants take turns, restart after restart.
// Then what first's bundle is made of, by package.
// --cold drops the page cache before every restart (root only), as on a node that has not run the binary lately.
// Usage: npm run bench:startup-floor [-- --runs 15 --cold]     (prints Markdown tables)
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaries } from "../tests/support/binaries";
import { emptyDir } from "../tests/support/processes";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { buildExecutable, bundling } from "../tools/build";
import { median, type RssSplit, startupSample, wholeNumbers } from "./lib";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "15" }, cold: { type: "boolean", default: false } },
});
const { runs } = wholeNumbers("bench:startup-floor", values, ["runs"]);
const DROP_CACHES = "/proc/sys/vm/drop_caches";
const dropPageCache = () => writeFileSync(DROP_CACHES, "3\n");
if (values.cold) {
  try {
    dropPageCache();
  } catch (error) {
    console.error(`bench:startup-floor --cold needs to write ${DROP_CACHES} (root): ${(error as Error).message}`);
    process.exit(1);
  }
}

const outDir = runScopedTempDir("twinbin-floor-");
const reference = (name: string) =>
  buildExecutable(join(import.meta.dir, "references", `${name}.ts`), join(outDir, name));
const [bare, elysia, loaded, evaluated, { first }, firstUnordered] = await Promise.all([
  reference("bare"),
  reference("elysia"),
  reference("first-loaded"),
  reference("first-evaluated"),
  binaries(),
  buildExecutable("first/main.ts", join(outDir, "first-unordered"), { bytecodeOrder: false }),
]);
const variants: Array<[string, string]> = [
  ["bare Bun.serve", bare],
  ["plain Elysia", elysia],
  ["plain Elysia + first's bundle, not run", loaded],
  ["plain Elysia + first's modules evaluated, nothing started", evaluated],
  ["first", first],
  ["first, bytecode not laid out by its start-up", firstUnordered],
];

const samples = new Map<string, Array<{ ms: number; rss: RssSplit }>>();
const dirs = new Map(variants.map(([name]) => [name, emptyDir("twinbin-floor-run-")]));
// One start each first: first creates and migrates its database, as only a new deployment does.
for (const [name, path] of variants) await startupSample([path], {}, dirs.get(name) as string);
for (let i = 0; i < runs; i++) {
  for (const [name, path] of variants) {
    if (values.cold) dropPageCache();
    const sample = await startupSample([path], {}, dirs.get(name) as string);
    samples.set(name, [...(samples.get(name) ?? []), sample]);
  }
}

const of = (name: string) => samples.get(name) ?? [];
const elysiaMs = median(of("plain Elysia").map((s) => s.ms));
console.log(
  `${runs} restarts each, interleaved${values.cold ? ", page cache dropped before each" : ""}; medians. ` +
    "RSS half a second after the first 200, in MiB.\n",
);
console.log(
  "| binary | start → first 200 (ms) | × plain Elysia | RSS | executable's pages | other files (libSQL addon, libc) | anonymous |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const [name] of variants) {
  const s = of(name);
  const ms = median(s.map((x) => x.ms));
  const mib = (pick: (r: RssSplit) => number) => median(s.map((x) => pick(x.rss))).toFixed(1);
  console.log(
    `| ${name} | ${ms.toFixed(1)} | ${(ms / elysiaMs).toFixed(2)} | ${mib((r) => r.total)} | ${mib((r) => r.executable)} | ${mib((r) => r.otherFiles)} | ${mib((r) => r.anonymous)} |`,
  );
}

const bundle = await Bun.build({ ...bundling("first/main.ts"), outdir: join(outDir, "bundle"), metafile: true });
const bytesByPackage = new Map<string, number>();
for (const output of Object.values(bundle.metafile?.outputs ?? {})) {
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    // node_modules/<package> or node_modules/@scope/<package>; twinbin's own code by top-level folder.
    const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? `twinbin ${input.split("/")[0]}/`;
    bytesByPackage.set(owner, (bytesByPackage.get(owner) ?? 0) + bytesInOutput);
  }
}
const totalBytes = [...bytesByPackage.values()].reduce((a, b) => a + b, 0);
console.log(`\nfirst's bundle: ${(totalBytes / 1e6).toFixed(2)} MB of JavaScript; the packages over 10 kB:\n`);
console.log("| package | kB |\n|---|---:|");
for (const [owner, bytes] of [...bytesByPackage].sort((a, b) => b[1] - a[1])) {
  if (bytes > 10_000) console.log(`| ${owner} | ${(bytes / 1000).toFixed(0)} |`);
}
