// How the integration tests launch the services: as the compiled Bun binaries (default) or, with
// TWINBIN_RUNTIME=deno, from source under Deno — the same tests, parameterised by runtime.
import { join } from "node:path";
import { binaries } from "./binaries";

export type Runtime = "bun-binary" | "deno";

export const RUNTIME: Runtime = process.env.TWINBIN_RUNTIME === "deno" ? "deno" : "bun-binary";

const REPO = join(import.meta.dir, "../..");
export const DENO = join(REPO, "node_modules/.bin/deno");

/** The command line that runs a service from source under Deno (what `npm run start:deno` runs). */
export const denoCommand = (service: "first" | "second") => [
  DENO,
  "run",
  "--allow-all",
  // Without it Deno fires every request's abort signal after the response is sent.
  "--unstable-no-legacy-abort",
  join(REPO, service, "main.ts"),
];

/** Command lines for first and second under the runtime this test run is for. */
export async function launchers(): Promise<{ first: string[]; second: string[] }> {
  if (RUNTIME === "deno") return { first: denoCommand("first"), second: denoCommand("second") };
  const bins = await binaries();
  return { first: [bins.first], second: [bins.second] };
}
