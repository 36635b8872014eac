// `npm run dist`: every target's executables have the right format, CPU and C library, embed their own target's
// libSQL addon and no other, and match their checksums and manifests; bad input fails before anything is written.
import { beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BYTECODE_TARGETS, buildTarget, releaseFolder, type TargetManifest } from "../../tools/dist";
import { libsqlAddon, libsqlVersion } from "../../tools/libsql-addon";
import { TARGETS } from "../../tools/targets";
import { type ExecutableInfo, executableInfo } from "../support/executable";
import { freePort } from "../support/ports";
import { emptyDir } from "../support/processes";
import { releaseDir } from "../support/release";

const REPO = join(import.meta.dir, "../..");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

/** What the kernel (or dyld, or Windows) must see in each target's executables. */
const EXPECTED: Record<string, ExecutableInfo> = {
  "linux-x64": { format: "elf", arch: "x64", interpreter: "/lib64/ld-linux-x86-64.so.2" },
  "linux-arm64": { format: "elf", arch: "arm64", interpreter: "/lib/ld-linux-aarch64.so.1" },
  "linux-x64-musl": { format: "elf", arch: "x64", interpreter: "/lib/ld-musl-x86_64.so.1" },
  "linux-arm64-musl": { format: "elf", arch: "arm64", interpreter: "/lib/ld-musl-aarch64.so.1" },
  "darwin-x64": { format: "macho", arch: "x64" },
  "darwin-arm64": { format: "macho", arch: "arm64" },
  "windows-x64": { format: "pe", arch: "x64" },
};

let dir: string;
beforeAll(() => {
  dir = releaseDir();
}, 600_000);

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const manifestOf = (target: string) =>
  JSON.parse(readFileSync(join(dir, releaseFolder(target), "manifest.json"), "utf8")) as TargetManifest;

describe("npm run dist", () => {
  test("builds the seven targets, each folder holding exactly its two executables, SHA256SUMS and manifest.json", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(TARGETS.map((t) => t.name).sort());
    for (const target of TARGETS) {
      const exe = target.name === "windows-x64" ? ".exe" : "";
      expect(readdirSync(join(dir, releaseFolder(target.name))).sort()).toEqual(
        ["SHA256SUMS", `first${exe}`, "manifest.json", `second${exe}`].sort(),
      );
    }
  });

  test.each(TARGETS.map((t) => t.name))("%s: executable format, CPU and C library", (target) => {
    const expected = EXPECTED[target];
    if (!expected) throw new Error(`no expectation for ${target}`);
    for (const file of manifestOf(target).files) {
      const info = executableInfo(join(dir, releaseFolder(target), file.name));
      expect({ file: file.name, ...info }).toEqual({ file: file.name, ...expected });
    }
  });

  test.each(TARGETS.map((t) => t.name))("%s: embeds its own target's libSQL addon and no other", (target) => {
    const own = TARGETS.find((t) => t.name === target)?.libsql ?? "";
    const addons = [...new Set(TARGETS.map((t) => t.libsql))].map((pkg) => ({
      pkg,
      bytes: readFileSync(libsqlAddon(pkg)),
    }));
    for (const file of manifestOf(target).files) {
      const binary = readFileSync(join(dir, releaseFolder(target), file.name));
      const embedded = addons.filter((a) => binary.includes(a.bytes)).map((a) => a.pkg);
      expect({ file: file.name, embedded }).toEqual({ file: file.name, embedded: [own] });
    }
  });

  test.each(TARGETS.map((t) => t.name))("%s: manifest and SHA256SUMS match the files", (target) => {
    const folder = join(dir, releaseFolder(target));
    const manifest = manifestOf(target);
    expect(manifest).toMatchObject({
      name: "twinbin",
      version: VERSION,
      target,
      bun: Bun.version,
      libsql: { package: `@libsql/${TARGETS.find((t) => t.name === target)?.libsql}`, version: libsqlVersion() },
      bytecode: BYTECODE_TARGETS.has(target),
    });
    expect(manifest.bareBunSize).toBeGreaterThan(50 * 2 ** 20);
    for (const file of manifest.files) {
      expect(file.size).toBe(statSync(join(folder, file.name)).size);
      expect(file.sha256).toBe(sha256(join(folder, file.name)));
    }
    const check = spawnSync("sha256sum", ["--check", "--strict", "SHA256SUMS"], { cwd: folder, encoding: "utf8" });
    expect(check.stdout.trim().split("\n").sort()).toEqual(manifest.files.map((f) => `${f.name}: OK`).sort());
    expect(check.status).toBe(0);
  });

  test("the release's own SHA256SUMS and manifest.json cover every target's files", () => {
    const check = spawnSync("sha256sum", ["--check", "--strict", "SHA256SUMS"], { cwd: dir, encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(check.stdout.trim().split("\n")).toHaveLength(TARGETS.length * 2);
    const index = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { targets: TargetManifest[] };
    expect(index.targets.map((t) => t.target).sort()).toEqual(TARGETS.map((t) => t.name).sort());
    expect(index.targets).toEqual(index.targets.map((t) => manifestOf(t.target)));
  });
});

/** Runs tools/dist.ts with extra environment; `out` is a path that does not exist yet. */
function dist(args: string[], env: Record<string, string> = {}) {
  const out = join(emptyDir("twinbin-dist-bad-"), "release");
  const run = spawnSync("bun", ["tools/dist.ts", "--out", out, ...args], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { ...run, out };
}

describe("npm run dist with bad input", () => {
  test("an unknown target fails naming it, and writes nothing", () => {
    const run = dist(["--target", "linux-x64,plan9-mips,linux-arm64"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("unknown target plan9-mips");
    expect(existsSync(run.out)).toBe(false);
  });

  test("a libSQL addon that cannot be fetched fails naming it before any target is built", async () => {
    const run = dist(["--target", "linux-x64,darwin-arm64"], {
      TWINBIN_CACHE_DIR: emptyDir("twinbin-cache-"),
      npm_config_cache: emptyDir("twinbin-npm-cache-"),
      npm_config_registry: `http://127.0.0.1:${await freePort()}/`,
      npm_config_fetch_retries: "0",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`libSQL addon @libsql/darwin-arm64@${libsqlVersion()} is missing`);
    // linux-x64 comes first and its addon is installed: it was not built either.
    expect(existsSync(run.out)).toBe(false);
  });

  test("a target that fails to build leaves no folder behind", async () => {
    const out = emptyDir("twinbin-dist-broken-");
    const linux = TARGETS[0];
    if (!linux) throw new Error("no targets");
    const broken = { ...linux, name: "broken", bun: "bun-plan9-x64" as Bun.Build.CompileTarget };
    await expect(buildTarget(broken, out)).rejects.toThrow();
    expect(readdirSync(out)).toEqual([]);
  });
});
