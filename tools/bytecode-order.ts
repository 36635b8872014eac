// Profile-guided layout of a compiled service's bytecode. Bun writes which functions a run of a `--bytecode`
// executable loaded when it runs with BUN_BYTECODE_ORDER_OUT=<file>; built again with that file (`bytecodeOrder`),
// the executable keeps that bytecode together at the front, so a start touches fewer of its pages: less time to the
// first answer and less resident memory (docs/performance.md, "Where start-up goes"). The run recorded here is the
// one every deployment makes: start with the defaults, answer /health, stop on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForOk } from "../tests/support/ports";

const STARTUP_TIMEOUT_MS = 20_000;

/**
 * Runs `executable` (built with bytecode for this machine) from an empty directory until it answers /health, stops
 * it with SIGTERM and returns the order file it wrote to `orderFile`. Its OTLP endpoint is a closed port, so a
 * Collector running on this machine receives nothing from the recording.
 */
export async function recordBytecodeOrder(executable: string, orderFile: string): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), "twinbin-order-run-"));
  const port = await freePort();
  const child = spawn(executable, [], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      BUN_BYTECODE_ORDER_OUT: orderFile,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    await Promise.race([
      waitForOk(`http://127.0.0.1:${port}/health`, STARTUP_TIMEOUT_MS),
      exited.then((code) => {
        throw new Error(`exited with ${code} before answering /health`);
      }),
    ]);
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`exited with ${code} on SIGTERM`);
    if (!existsSync(orderFile) || statSync(orderFile).size === 0) throw new Error("wrote no bytecode order");
    return orderFile;
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`recording the bytecode order of ${executable}: ${(error as Error).message}\n${stderr}`.trim());
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
