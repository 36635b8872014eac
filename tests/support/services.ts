// How the integration tests launch the services: as the compiled Bun binaries (default); with
// TWINBIN_RUNTIME=deno, from source under Deno; with TWINBIN_RUNTIME=qemu-arm64, as the linux-arm64 release
// binaries under qemu-user — the same tests, parameterised by runtime.
import { join } from "node:path";
import { releaseFolder } from "../../tools/dist";
import { binaries } from "./binaries";
import { releaseDir } from "./release";

export type Runtime = "bun-binary" | "deno" | "qemu-arm64";

const RUNTIMES: readonly Runtime[] = ["bun-binary", "deno", "qemu-arm64"];
export const RUNTIME: Runtime = RUNTIMES.find((r) => r === process.env.TWINBIN_RUNTIME) ?? "bun-binary";

/**
 * For a hook that gets the binaries (built once per run: about 25 s for both on an idle 2-core machine, several
 * times that on a loaded one) and starts processes.
 */
export const SETUP_TIMEOUT_MS = 300_000;

/** Emulation makes start-up and the first requests several times slower. */
export const START_TIMEOUT_MS = RUNTIME === "qemu-arm64" ? 120_000 : 30_000;

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

/** Runs a linux-arm64 (glibc) binary on any Linux host: Debian's qemu-user-static and arm64 cross libraries. */
export const qemuArm64Command = (binary: string) => ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", binary];

/** Command lines for first and second under the runtime this test run is for. */
export async function launchers(): Promise<{ first: string[]; second: string[] }> {
  if (RUNTIME === "deno") return { first: denoCommand("first"), second: denoCommand("second") };
  if (RUNTIME === "qemu-arm64") {
    const bin = join(releaseDir(), releaseFolder("linux-arm64"));
    return { first: qemuArm64Command(join(bin, "first")), second: qemuArm64Command(join(bin, "second")) };
  }
  const bins = await binaries();
  return { first: [bins.first], second: [bins.second] };
}
