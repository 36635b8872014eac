// Compiles each service into a standalone executable: `bun tools/build.ts` → dist/first, dist/second, for the
// machine it runs on (`npm run build`). tools/dist.ts builds the same way for every platform (`npm run dist`).
// Two things need care inside `--compile` (see docs/distribution.md):
// - the libSQL addon must be the build target's and embedded: tools/libsql-addon.ts.
// - identifiers must keep their names (_one, _two, _fibo show in profiles): minify whitespace and syntax only.
// With bytecode, a service's bytecode is laid out by what its start-up ran (tools/bytecode-order.ts): built once for
// this machine and started, then built again for the target with that order.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runScopedTempDir } from "../tests/support/temp-dirs";
import { recordBytecodeOrder } from "./bytecode-order";
import { embedLibsqlAddon, libsqlAddon } from "./libsql-addon";
import { hostTarget, type Target } from "./targets";

export const SERVICES = ["first", "second"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface BuildOptions {
  /** Platform to build for; the host by default. */
  target?: Target;
  /** Precompile to JavaScriptCore bytecode (faster start-up); see `BYTECODE_TARGETS` in tools/dist.ts. */
  bytecode?: boolean;
  /**
   * With bytecode: the order file to lay it out by; by default one recorded from the entry point's own start
   * (`startupOrder`); `false` for none.
   */
  bytecodeOrder?: string | false;
}

/** Builds `<outDir>/<service>` (`.exe` on Windows) and returns its path. */
export function buildService(service: ServiceName, outDir = "dist", options: BuildOptions = {}): Promise<string> {
  return buildExecutable(`${service}/main.ts`, `${outDir}/${service}`, options);
}

/** How an entry point is bundled for `target`, compiled or not. */
export const bundling = (entrypoint: string, target = hostTarget()) =>
  ({
    entrypoints: [entrypoint],
    minify: { whitespace: true, syntax: true, identifiers: false },
    target: "bun",
    format: "esm",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    plugins: [embedLibsqlAddon(libsqlAddon(target.libsql))],
  }) satisfies Bun.BuildConfig;

/** Compiles `entrypoint` the way the services are compiled (bench references too) into `outfile` (+ `.exe`). */
export async function buildExecutable(
  entrypoint: string,
  outfile: string,
  options: BuildOptions = {},
): Promise<string> {
  const target = options.target ?? hostTarget();
  const bytecode = options.bytecode ?? true;
  const bytecodeOrder = bytecode ? (options.bytecodeOrder ?? (await startupOrder(entrypoint))) : false;
  const path = `${outfile}${target.exe}`;
  const result = await Bun.build({
    ...bundling(entrypoint, target),
    compile: { outfile: path, target: target.bun, autoloadDotenv: false, autoloadBunfig: false, bytecodeOrder },
    sourcemap: "linked",
    bytecode,
  });
  if (!result.success) {
    throw new AggregateError(
      result.logs,
      `building ${entrypoint} for ${target.name} failed:\n${result.logs.join("\n")}`,
    );
  }
  return path;
}

const orders = new Map<string, Promise<string>>();

/**
 * Which bytecode `entrypoint` runs from start to its first /health answer, recorded once per process from a build
 * for this machine. It applies to every target's build of the same source: functions are matched by their code.
 */
export function startupOrder(entrypoint: string): Promise<string> {
  let order = orders.get(entrypoint);
  if (!order) {
    const dir = runScopedTempDir("twinbin-bytecode-order-");
    order = (async () => {
      const executable = await buildExecutable(entrypoint, join(dir, "unordered"), { bytecodeOrder: false });
      try {
        return await recordBytecodeOrder(executable, join(dir, "order"));
      } finally {
        rmSync(executable); // ~120 MB; only the order is kept
      }
    })();
    orders.set(entrypoint, order);
  }
  return order;
}

if (import.meta.main) {
  mkdirSync("dist", { recursive: true });
  for (const service of SERVICES) {
    const started = performance.now();
    const outfile = await buildService(service);
    console.log(`${outfile} built in ${Math.round(performance.now() - started)} ms`);
  }
}
