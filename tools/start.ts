// `npm start`: builds both binaries, runs them side by side (first on :5000, second on :6000, embedded databases
// under ./data), and stops both on Ctrl-C. If one exits on its own, the other is stopped too.
// `npm run start:deno` (`--runtime deno`): the same services from source under Deno, no build.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildService, SERVICES } from "./build";

const { values } = parseArgs({ options: { runtime: { type: "string", default: "bun" } } });
if (values.runtime !== "bun" && values.runtime !== "deno") {
  console.error("usage: start.ts [--runtime bun|deno]");
  process.exit(2);
}
const command = (service: string): [string, string[]] =>
  values.runtime === "deno"
    ? ["node_modules/.bin/deno", ["run", "--allow-all", "--unstable-no-legacy-abort", `${service}/main.ts`]]
    : [`dist/${service}`, []];

if (values.runtime === "bun") {
  mkdirSync("dist", { recursive: true });
  for (const service of SERVICES) await buildService(service);
}

// PORT would send both services to the same port: each keeps its own default.
const { PORT: _ignored, ...env } = process.env;
const children = new Map<string, ChildProcess>();
let stopping = false;

function stopAll(signal: NodeJS.Signals) {
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null) child.kill(signal);
}

const exits = SERVICES.map(
  (service) =>
    new Promise<number>((resolve) => {
      const [file, args] = command(service);
      const child = spawn(file, args, { stdio: "inherit", env });
      children.set(service, child);
      child.once("exit", (code, signal) => {
        if (!stopping) {
          console.error(`${service} exited (${signal ?? code}); stopping the other service`);
          stopAll("SIGTERM");
        }
        resolve(code ?? 1);
      });
    }),
);

// Ctrl-C reaches the children directly (same process group); this only keeps us alive until they are done.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stopAll(signal));

console.error("first on http://localhost:5000, second on http://localhost:6000 — Ctrl-C stops both");
const codes = await Promise.all(exits);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
