import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildService } from "../../tools/build";

let built: Promise<{ first: string; second: string }> | undefined;

/**
 * Compiles both services once per test run into a temp dir (never the repo's dist/, which a developer may be
 * running). Binaries then start from empty dirs so that nothing leaks in from a node_modules above them.
 */
export function binaries() {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), "twinbin-dist-"));
    // ~240 MB a run: gone when the test process ends.
    process.once("exit", () => rmSync(outDir, { recursive: true, force: true }));
    const [first, second] = await Promise.all([buildService("first", outDir), buildService("second", outDir)]);
    return { first, second };
  })();
  return built;
}
