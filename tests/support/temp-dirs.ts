import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirs = new Set<string>();

/** Removes every directory made by `runScopedTempDir` so far. */
export function removeRunScopedTempDirs() {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

// `bun test` fires no "exit" event: tests/support/setup.ts removes them after the last test file instead.
process.once("exit", removeRunScopedTempDirs);

/** A new temp dir, removed when the test run (or the process) ends: for large build outputs. */
export function runScopedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}
