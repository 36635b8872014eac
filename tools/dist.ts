// `npm run dist [-- --target linux-arm64,windows-x64] [--out DIR]`: release binaries for every platform.
// Writes DIR/twinbin-<version>-<target>/{first,second}[.exe, SHA256SUMS, manifest.json] and, over every target
// folder of this version in DIR, DIR/SHA256SUMS and DIR/manifest.json (default DIR: dist/release).
// Unknown targets and missing libSQL addons stop it before anything is built; each target is built in a scratch
// folder beside its final place and renamed there only once complete, so a failure leaves no partial release.
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildService, SERVICES } from "./build";
import { libsqlAddon, libsqlVersion } from "./libsql-addon";
import { selectTargets, type Target } from "./targets";

/**
 * Targets whose cross-compiled `--bytecode` binaries were run and answered (tests/release runs linux-arm64 under
 * qemu). JavaScriptCore bytecode is made by the building machine's Bun; for targets that cannot run here (musl,
 * macOS, Windows) it stays off: upstream reports musl binaries with cross-built bytecode crashing
 * (oven-sh/bun#24144). Measured start-up with and without it: docs/distribution.md.
 */
export const BYTECODE_TARGETS: ReadonlySet<string> = new Set(["linux-x64", "linux-arm64"]);

export interface FileEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface TargetManifest {
  name: "twinbin";
  version: string;
  target: string;
  bunTarget: string;
  bun: string;
  libsql: { package: string; version: string };
  bytecode: boolean;
  /** Size of an empty program compiled for the same target: what Bun itself weighs. */
  bareBunSize: number;
  files: FileEntry[];
}

const VERSION = (JSON.parse(readFileSync(join(import.meta.dir, "../package.json"), "utf8")) as { version: string })
  .version;

export const releaseFolder = (target: string) => `twinbin-${VERSION}-${target}`;

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

const sumsLine = (entry: FileEntry, prefix = "") => `${entry.sha256}  ${prefix}${entry.name}\n`;

async function bareBunSize(target: Target, scratch: string): Promise<number> {
  const entry = join(scratch, "empty.ts");
  writeFileSync(entry, "");
  const outfile = join(scratch, `empty${target.exe}`);
  const result = await Bun.build({ entrypoints: [entry], compile: { outfile, target: target.bun } });
  if (!result.success) throw new AggregateError(result.logs, `compiling an empty program for ${target.name} failed`);
  const size = Bun.file(outfile).size;
  rmSync(entry);
  rmSync(outfile);
  return size;
}

/** Builds one target into a scratch folder in `outDir`, then renames it to its release folder. */
export async function buildTarget(target: Target, outDir: string): Promise<TargetManifest> {
  const scratch = mkdtempSync(join(outDir, `.${releaseFolder(target.name)}-`));
  try {
    const bytecode = BYTECODE_TARGETS.has(target.name);
    const files: FileEntry[] = [];
    for (const service of SERVICES) {
      const path = await buildService(service, scratch, { target, bytecode });
      // The executable embeds its source map; the linked copy beside it is not shipped.
      rmSync(join(scratch, `${service}.map`), { force: true });
      files.push({ name: `${service}${target.exe}`, size: Bun.file(path).size, sha256: sha256(path) });
    }
    const manifest: TargetManifest = {
      name: "twinbin",
      version: VERSION,
      target: target.name,
      bunTarget: target.bun,
      bun: Bun.version,
      libsql: { package: `@libsql/${target.libsql}`, version: libsqlVersion() },
      bytecode,
      bareBunSize: await bareBunSize(target, scratch),
      files,
    };
    writeFileSync(join(scratch, "SHA256SUMS"), files.map((f) => sumsLine(f)).join(""));
    writeFileSync(join(scratch, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    chmodSync(scratch, 0o755); // mkdtemp made it private
    const final = join(outDir, releaseFolder(target.name));
    rmSync(final, { recursive: true, force: true });
    renameSync(scratch, final);
    return manifest;
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

/** Rewrites DIR/SHA256SUMS and DIR/manifest.json from every release folder of this version in DIR. */
export function writeReleaseIndex(outDir: string): TargetManifest[] {
  const manifests = readdirSync(outDir)
    .filter((name) => name.startsWith(`twinbin-${VERSION}-`) && existsSync(join(outDir, name, "manifest.json")))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(outDir, name, "manifest.json"), "utf8")) as TargetManifest);
  const sums = manifests.flatMap((m) => m.files.map((f) => sumsLine(f, `${releaseFolder(m.target)}/`))).join("");
  const index = { name: "twinbin", version: VERSION, bun: Bun.version, targets: manifests };
  for (const [file, text] of [
    ["SHA256SUMS", sums],
    ["manifest.json", `${JSON.stringify(index, null, 2)}\n`],
  ] as const) {
    writeFileSync(join(outDir, `.${file}.tmp`), text);
    renameSync(join(outDir, `.${file}.tmp`), join(outDir, file));
  }
  return manifests;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main() {
  const { values } = parseArgs({
    options: { target: { type: "string" }, out: { type: "string", default: "dist/release" } },
  });
  const outDir = values.out ?? "dist/release";
  let targets: Target[];
  try {
    targets = selectTargets(values.target);
    // Every addon first: a missing one fails before any target is built.
    for (const target of targets) libsqlAddon(target.libsql);
  } catch (error) {
    console.error(`dist: ${(error as Error).message}`);
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  for (const target of targets) {
    const t0 = performance.now();
    const manifest = await buildTarget(target, outDir);
    const sizes = manifest.files.map((f) => `${f.name} ${mib(f.size)}`).join(", ");
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`${releaseFolder(target.name)}: ${sizes}; bare Bun ${mib(manifest.bareBunSize)}; ${seconds} s`);
  }
  writeReleaseIndex(outDir);
  console.log(`${outDir}: ${targets.length} target(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) await main();
