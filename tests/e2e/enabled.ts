// Whether the e2e files run: when named on bun test's command line (`bun test tests/e2e`), from
// `npm run test:e2e`, or with TWINBIN_E2E=1. A plain `bun test` skips them, since they need the native stack
// (tools/stack/install.sh) and fixed ports. TWINBIN_E2E=0 skips them always.
import { readFileSync } from "node:fs";
import { isAbsolute, relative } from "node:path";

/** Whether a path filter on bun test's command line selects `file` (process.argv does not show them). */
function namedOnCommandLine(file: string): boolean {
  let args: string[];
  try {
    args = readFileSync("/proc/self/cmdline", "utf8").split("\0");
  } catch {
    return false;
  }
  const filters = args.slice(args.indexOf("test") + 1).filter((a) => a !== "" && !a.startsWith("-"));
  const fromCwd = relative(process.cwd(), file);
  return filters.some((f) => (isAbsolute(f) ? file.startsWith(f) : fromCwd.includes(f.replace(/^\.\//, ""))));
}

/** Whether the e2e test file at `file` (its import.meta.path) runs; says so when it does not. */
export function e2eEnabled(file: string): boolean {
  const enabled =
    process.env.TWINBIN_E2E === "1" ||
    (process.env.TWINBIN_E2E !== "0" && (process.env.npm_lifecycle_event === "test:e2e" || namedOnCommandLine(file)));
  if (!enabled)
    console.warn(
      `${relative(process.cwd(), file)} skipped: it runs when named (bun test tests/e2e) or with TWINBIN_E2E=1`,
    );
  return enabled;
}
