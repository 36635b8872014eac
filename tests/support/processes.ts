import { type ChildProcess, spawn } from "node:child_process";
import { poll } from "./poll";
import { freePort, waitForOk } from "./ports";
import { START_TIMEOUT_MS } from "./services";
import { runScopedTempDir } from "./temp-dirs";

/** A process under test, with its output kept for assertions and failure messages. */
export class Proc {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const collect = (into: string[]) => {
      let partial = "";
      return (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        into.push(...lines);
      };
    };
    child.stdout?.on("data", collect(this.stdout));
    child.stderr?.on("data", collect(this.stderr));
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Parsed JSON log lines written so far. */
  logs(): Record<string, unknown>[] {
    return this.stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /**
   * The first log line `matches` accepts, once it has arrived: a service writes the lines of one event-loop turn
   * together at the turn's end, so a line can reach the pipe after the response it belongs to.
   */
  logLine(matches: (line: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return poll(`a log line of ${this.name}`, timeoutMs, () => this.logs().find(matches), 10);
  }

  output(): string {
    return [...this.stdout, ...this.stderr].join("\n");
  }

  /** Sends `signal` and waits for the exit, killing hard after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

/** A fresh empty directory under the system temp dir, with no node_modules anywhere above it; removed after the run. */
export const emptyDir = (prefix = "twinbin-") => runScopedTempDir(prefix);

export function spawnProc(name: string, command: string, args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Proc(name, child);
}

/**
 * Resolves once `healthUrl` answers 200. If the process exits first or the time runs out, it is killed and the error
 * names it and carries its output.
 */
export async function startedOrExplain(proc: Proc, healthUrl: string, timeoutMs = 30_000): Promise<void> {
  try {
    await Promise.race([
      waitForOk(healthUrl, timeoutMs),
      proc.exited.then(({ code }) => {
        throw new Error(`exited with ${code} before serving`);
      }),
    ]);
  } catch (error) {
    await proc.stop("SIGKILL");
    throw new Error(`${proc.name} did not start: ${(error as Error).message}\n${proc.output()}`);
  }
}

export interface Service extends Proc {
  url: string;
  port: number;
  cwd: string;
}

/**
 * Starts a service — a compiled binary path, or a command line such as `deno run … main.ts` — in `cwd` (an empty
 * temp dir by default) and waits for /health.
 */
export async function startBinary(
  command: string | string[],
  env: Record<string, string> = {},
  cwd = emptyDir(),
): Promise<Service> {
  const [file, ...args] = (typeof command === "string" ? [command] : command) as [string, ...string[]];
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = spawnProc(
    [file, ...args].join(" "),
    file,
    args,
    { HOST: "127.0.0.1", LOG_LEVEL: "info", ...env, PORT: String(port) },
    cwd,
  );
  const url = `http://127.0.0.1:${port}`;
  await startedOrExplain(proc, `${url}/health`, START_TIMEOUT_MS);
  return Object.assign(proc, { url, port, cwd });
}
