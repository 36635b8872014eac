import { expect } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports";
import { type Proc, spawnProc, startedOrExplain } from "./processes";

const APP_DIR = join(import.meta.dir, "../../tools/httpbin");

export interface Httpbin extends Proc {
  url: string;
}

/** A real HTTPBin (Debian python3-httpbin under gunicorn, see tools/httpbin/app.py) on a free loopback port. */
export async function startHttpbin(): Promise<Httpbin> {
  const gunicorn = ["/usr/bin/gunicorn", "/usr/local/bin/gunicorn"].find((p) => existsSync(p));
  if (!gunicorn) {
    throw new Error("gunicorn not found: install HTTPBin with `sudo apt-get install python3-httpbin gunicorn`");
  }
  const port = await freePort();
  const proc = spawnProc(
    "httpbin",
    gunicorn,
    ["--chdir", APP_DIR, "-k", "gthread", "--threads", "32", "-b", `127.0.0.1:${port}`, "app:application"],
    {},
    APP_DIR,
  );
  const url = `http://127.0.0.1:${port}`;
  await startedOrExplain(proc, `${url}/get`);
  return Object.assign(proc, { url });
}

/**
 * Checks a chain answer (first → second → HTTPBin): HTTPBin echoes the request second made, so its URL and Host prove
 * the call really went through second to this HTTPBin.
 */
export async function expectRelayedFrom(httpbin: Httpbin, response: Response): Promise<void> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { url: string; headers: Record<string, string> };
  expect(body.url).toBe(`${httpbin.url}/delay/0`);
  expect(body.headers.Host).toBe(new URL(httpbin.url).host);
}
