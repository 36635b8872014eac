import { buildService } from "../../tools/build";
import { runScopedTempDir } from "./temp-dirs";

let built: Promise<{ first: string; second: string }> | undefined;

/**
 * Compiles both services once per test run into a temp dir (never the repo's dist/, which a developer may be
 * running). Binaries then start from empty dirs so that nothing leaks in from a node_modules above them.
 */
export function binaries() {
  built ??= (async () => {
    const outDir = runScopedTempDir("twinbin-dist-"); // ~240 MB a run
    const [first, second] = await Promise.all([buildService("first", outDir), buildService("second", outDir)]);
    return { first, second };
  })();
  return built;
}
