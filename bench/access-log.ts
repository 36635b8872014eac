// What one access-log line costs in-process at LOG_LEVEL=info (the services' default): the services' logger
// (wildcard redaction, trace-context mixin, synchronous write to fd 1), the child the HTTP wrapper writes access
// lines with (no redaction: its fields are fixed), and a logger of the same shape on pino's asynchronous destination
// (sonic-boom, 4 KiB buffer). Interleaved rounds, median and range. Lines go to stdout: send it to /dev/null.
// Usage: npm run bench:access-log -- --rounds 7 > /dev/null      (results on stderr)
import { parseArgs } from "node:util";
import pino, { type Logger } from "pino";
import { createLogger } from "../shared/logging/logger";
import { median } from "./lib";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "7" } } });
const LINES = 100_000;
const fields = { method: "GET", route: "/fib/:n", status: 200, duration_ms: 0.12 };

const services = createLogger("first", "info");
const shape = {
  level: "info",
  base: { service: "first" },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label: string) => ({ level: label }) },
  mixin: () => ({}), // the services' mixin outside a span
};
const variants: Record<string, Logger> = {
  "services' logger (redaction, sync)": services,
  "access-line child (no redaction, sync)": services.child({}, { redact: [] }),
  "no redaction, async destination (minLength 4096)": pino(
    shape,
    pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  ),
};

const results: Record<string, number[]> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, log] of Object.entries(variants)) {
    for (let i = 0; i < 5_000; i++) log.info(fields, "request");
    const began = performance.now();
    for (let i = 0; i < LINES; i++) log.info(fields, "request");
    results[name] = [...(results[name] ?? []), ((performance.now() - began) * 1000) / LINES];
  }
}
console.error(`| logger | µs per line (median of ${values.rounds}) | min–max |\n|---|---:|---:|`);
for (const [name, xs] of Object.entries(results)) {
  console.error(`| ${name} | ${median(xs).toFixed(2)} | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} |`);
}
