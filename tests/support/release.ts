import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runScopedTempDir } from "./temp-dirs";

const REPO = join(import.meta.dir, "../..");

let built: string | undefined;

/**
 * The release folder tests check: `npm run dist` for every target, run once per test process into a temp dir
 * (removed at exit), or an existing one named by TWINBIN_RELEASE_DIR (e.g. dist/release after `npm run dist`).
 */
export function releaseDir(): string {
  if (built) return built;
  built = process.env.TWINBIN_RELEASE_DIR;
  if (built) return built;
  const outDir = runScopedTempDir("twinbin-release-"); // ~1.6 GB
  const started = performance.now();
  const dist = spawnSync("bun", ["tools/dist.ts", "--out", outDir], { cwd: REPO, encoding: "utf8" });
  if (dist.status !== 0) throw new Error(`npm run dist failed (${dist.status}):\n${dist.stdout}\n${dist.stderr}`);
  console.log(`${dist.stdout.trim()}\n(release built in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  built = outDir;
  return outDir;
}
