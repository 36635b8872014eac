// Compiles each service into a standalone executable: `bun tools/build.ts` → dist/first, dist/second.
// Two things need care inside `--compile` (see README "Binaries"):
// - libsql picks its native addon with a computed `require(\`@libsql/${target}\`)`, which the bundler cannot
//   follow; the plugin below rewrites it to the literal package of the build target, so the addon is embedded
//   (and the run-time platform detection before it, slow and pointless in a binary built for one target, is skipped).
// - identifiers must keep their names (_one, _two, _fibo show in profiles): minify whitespace and syntax only.
import { mkdirSync } from "node:fs";
import type { BunPlugin } from "bun";

export const SERVICES = ["first", "second"] as const;

/** The libsql native package for the platform we build on (the only one whose addon is installed). */
function libsqlNativePackage(): string {
  const arch = { x64: "x64", arm64: "arm64" }[process.arch as string];
  if (process.platform !== "linux" || !arch) {
    throw new Error(`building binaries is set up for linux x64/arm64 (glibc), not ${process.platform}-${process.arch}`);
  }
  return `@libsql/linux-${arch}-gnu`;
}

export const libsqlNativeAddon = (nativePackage = libsqlNativePackage()): BunPlugin => ({
  name: "libsql-native-addon",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async ({ path }) => {
      const source = await Bun.file(path).text();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal source text being replaced
      const computed = "require(`@libsql/${target}`)";
      const detect = "function requireNative() {";
      if (!source.includes(computed) || !source.includes(detect)) {
        throw new Error(`libsql changed: ${computed} or ${detect} not found in ${path}`);
      }
      // The target is known at build time: skip libsql's run-time detection, whose libc check
      // (process.report.getReport()) alone took ~40% of the binary's start-up.
      const literal = `require(${JSON.stringify(nativePackage)})`;
      return {
        contents: source.replace(computed, literal).replace(detect, `${detect}\n  return ${literal};`),
        loader: "js",
      };
    });
  },
});

export async function buildService(service: (typeof SERVICES)[number], outDir = "dist"): Promise<string> {
  const outfile = `${outDir}/${service}`;
  const result = await Bun.build({
    entrypoints: [`${service}/main.ts`],
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
    minify: { whitespace: true, syntax: true, identifiers: false },
    sourcemap: "linked",
    target: "bun",
    format: "esm",
    bytecode: true,
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    plugins: [libsqlNativeAddon()],
  });
  if (!result.success) {
    throw new AggregateError(result.logs, `building ${service} failed:\n${result.logs.join("\n")}`);
  }
  return outfile;
}

if (import.meta.main) {
  mkdirSync("dist", { recursive: true });
  for (const service of SERVICES) {
    const started = performance.now();
    const outfile = await buildService(service);
    console.log(`${outfile} built in ${Math.round(performance.now() - started)} ms`);
  }
}
