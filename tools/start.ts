// `npm start`: builds both binaries, runs them side by side (first on :5000, second on :5001, embedded databases
// under ./data), and stops both on Ctrl-C, SIGINT or SIGTERM. If one exits on its own, the other is stopped too.
// `npm run start:deno` (`--runtime deno`): the same services from source under Deno, no build.
//
//   PORT=8000 SECOND_PORT=8001 npm start   # first on PORT, second on SECOND_PORT (first is pointed at it)
//
// npm hands SIGINT/SIGTERM to this process (the script `exec`s bun, so no shell sits in between); the services are
// stopped with the same signal, and this process exits when both are gone.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildService, SERVICES } from "./build";

const { values } = parseArgs({ options: { runtime: { type: "string", default: "bun" } } });
if (values.runtime !== "bun" && values.runtime !== "deno") {
  console.error("usage: start.ts [--runtime bun|deno]");
  process.exit(2);
}

/** A port from `variable`, else `fallback`; exits with a one-line message when it is not a port number. */
function port(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${variable}=${raw}: expected a port number (1–65535)`);
    process.exit(2);
  }
  return value;
}
const ports = { first: port("PORT", 5000), second: port("SECOND_PORT", 5001) } as const;
if (ports.first === ports.second) {
  console.error(`PORT and SECOND_PORT are both ${ports.first}: the two services need two ports`);
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

const { SECOND_PORT: _, ...inherited } = process.env;
const envFor = (service: (typeof SERVICES)[number]) => ({
  ...inherited,
  PORT: String(ports[service]),
  ...(service === "first" ? { SECOND_URL: process.env.SECOND_URL ?? `http://localhost:${ports.second}` } : {}),
});

const children = new Map<string, ChildProcess>();
let stopping = false;

function stopAll(signal: NodeJS.Signals) {
  stopping = true;
  for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

const exits = SERVICES.map(
  (service) =>
    new Promise<number>((resolve) => {
      const [file, args] = command(service);
      const child = spawn(file, args, { stdio: "inherit", env: envFor(service) });
      children.set(service, child);
      child.once("exit", (code, signal) => {
        if (!stopping) {
          console.error(`${service} exited (${signal ?? code}); stopping the other service`);
          stopAll("SIGTERM");
        }
        // A service stopped by our own signal has finished cleanly.
        resolve(code ?? (stopping ? 0 : 1));
      });
    }),
);

// A terminal's Ctrl-C reaches the services directly (same process group); a signal sent to npm or to this
// process alone does not, so it is passed on here.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stopAll(signal));

console.error(
  `first on http://localhost:${ports.first}, second on http://localhost:${ports.second} — Ctrl-C stops both`,
);
const codes = await Promise.all(exits);
process.exit(codes.every((c) => c === 0) ? 0 : 1);
