// The libSQL native addon (`index.node`) for a target, at exactly the version package-lock.json pins. npm installs
// only the host's addon into node_modules; the others are fetched with `npm pack`, checked against the lock's
// integrity hash and cached outside the repository, so a second release build is offline.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { BunPlugin } from "bun";

const REPO = join(import.meta.dir, "..");

/** Where fetched addons are kept: `$TWINBIN_CACHE_DIR/libsql/<version>/<package>/index.node`. */
export const cacheDir = () => process.env.TWINBIN_CACHE_DIR ?? join(homedir(), ".cache/twinbin");

interface LockedPackage {
  version: string;
  integrity?: string;
}

function locked(path: string): LockedPackage {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockedPackage>;
  };
  const entry = lock.packages[path];
  if (!entry) throw new Error(`package-lock.json has no ${path}`);
  return entry;
}

/** The libsql version the lock pins; every target's addon must match it. */
export const libsqlVersion = () => locked("node_modules/libsql").version;

function installedAddon(pkg: string, version: string): string | undefined {
  const dir = join(REPO, "node_modules/@libsql", pkg);
  if (!existsSync(join(dir, "package.json"))) return undefined;
  const installed = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  return installed.version === version ? join(dir, "index.node") : undefined;
}

function fetchAddon(pkg: string, version: string, into: string): void {
  const spec = `@libsql/${pkg}@${version}`;
  const scratch = mkdtempSync(join(tmpdir(), "twinbin-addon-"));
  try {
    const packed = spawnSync("npm", ["pack", spec, "--json", "--pack-destination", scratch], { encoding: "utf8" });
    if (packed.status !== 0) {
      const reason = packed.stderr.split("\n").find((l) => l.includes("ERR")) ?? packed.stderr.trim();
      throw new Error(`libSQL addon ${spec} is missing: npm pack failed: ${reason || `exit ${packed.status}`}`);
    }
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const tarball = join(scratch, filename);
    const { integrity } = locked(`node_modules/@libsql/${pkg}`);
    const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    if (integrity && actual !== integrity) {
      throw new Error(`libSQL addon ${spec}: integrity ${actual} differs from package-lock.json's ${integrity}`);
    }
    const untar = spawnSync("tar", ["-xzf", tarball, "-C", scratch, "package/index.node"], { encoding: "utf8" });
    if (untar.status !== 0) throw new Error(`libSQL addon ${spec}: no package/index.node: ${untar.stderr.trim()}`);
    mkdirSync(join(into, ".."), { recursive: true });
    try {
      renameSync(join(scratch, "package"), into);
    } catch (error) {
      // Another build cached the same addon meanwhile: theirs is the same file.
      if (!existsSync(join(into, "index.node"))) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Path of the `index.node` for `@libsql/<pkg>` at the locked version: node_modules, the cache, or fetched now. */
export function libsqlAddon(pkg: string): string {
  const version = libsqlVersion();
  const installed = installedAddon(pkg, version);
  if (installed) return installed;
  const dir = join(cacheDir(), "libsql", version, pkg);
  if (!existsSync(join(dir, "index.node"))) fetchAddon(pkg, version, dir);
  return join(dir, "index.node");
}

/**
 * libsql picks its addon with a computed `require(\`@libsql/${target}\`)` that the bundler cannot follow; this
 * rewrites it to a literal path to `addon`, so exactly that file is embedded in the executable. The target is
 * fixed at build time, so libsql's run-time platform detection before it is skipped too: its libc check
 * (`process.report.getReport()`) alone took ~40% of a binary's start-up.
 */
export const embedLibsqlAddon = (addon: string): BunPlugin => ({
  name: "libsql-native-addon",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async ({ path }) => {
      const source = await Bun.file(path).text();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal source text being replaced
      const computed = "require(`@libsql/${target}`)";
      const detect = "function requireNative() {";
      if (!source.includes(computed) || !source.includes(detect)) {
        throw new Error(`libsql changed: ${computed} or ${detect} not found in ${path}`);
      }
      const literal = `require(${JSON.stringify(addon)})`;
      return {
        contents: source.replace(computed, literal).replace(detect, `${detect}\n  return ${literal};`),
        loader: "js",
      };
    });
  },
});
