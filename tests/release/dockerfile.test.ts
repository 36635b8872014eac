// The Dockerfile against the release `npm run dist` writes, for each platform the multi-arch image is built for:
// which release folder each variant copies (resolved the way BuildKit resolves `FROM glibc-${TARGETARCH}`), that
// those files exist, and what the final stages run as. Building it needs an engine and registry images; what was
// verified with buildah offline is in docs/distribution.md.
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Stage, stages } from "../support/dockerfile";
import { executableInfo } from "../support/executable";
import { releaseDir } from "../support/release";

const REPO = join(import.meta.dir, "../..");
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const DOCKERFILE = readFileSync(join(REPO, "Dockerfile"), "utf8");

let dir: string;
beforeAll(() => {
  dir = releaseDir();
}, 600_000);

/** The stage a `COPY --from=` or `FROM` names, followed through stage aliases to the one that holds files. */
function resolve(all: Stage[], name: string): Stage {
  const stage = all.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return all.some((s) => s.name === stage.base) ? resolve(all, stage.base) : stage;
}

const variants = [
  { variant: "debian", libc: "", base: /^debian:\d+(\.\d+)+-slim$/ },
  { variant: "alpine", libc: "-musl", base: /^alpine:\d+\.\d+\.\d+$/ },
];
const platforms = [
  { arch: "amd64", target: "x64", cpu: "x64" },
  { arch: "arm64", target: "arm64", cpu: "arm64" },
] as const;

describe("Dockerfile", () => {
  test("defaults: this version's release, pinned bases, and the Debian image as the default target", () => {
    const { globals, stages: all } = stages(DOCKERFILE, {});
    expect(globals.TWINBIN_VERSION).toBe(VERSION);
    expect(globals.DEBIAN_IMAGE).toMatch(/^debian:\d+(\.\d+)+-slim$/);
    expect(globals.ALPINE_IMAGE).toMatch(/^alpine:\d+\.\d+\.\d+$/);
    expect(all.at(-1)?.name).toBe("debian");
  });

  for (const { variant, libc, base } of variants) {
    for (const { arch, target, cpu } of platforms) {
      test(`${variant} on linux/${arch} copies linux-${target}${libc}'s executables and runs them as non-root`, () => {
        const { globals, stages: all } = stages(DOCKERFILE, { TARGETARCH: arch });
        const final = all.find((s) => s.name === variant);
        if (!final) throw new Error(`no stage ${variant}`);
        expect(final.base).toMatch(base);

        const copies = final.instructions.filter((i) => i.keyword === "COPY" && i.args.startsWith("--from="));
        expect(copies.map((c) => c.args)).toHaveLength(1);
        const [from = "", ...paths] = (copies[0]?.args ?? "").split(/\s+/);
        expect(paths).toEqual(["/first", "/second", "/usr/local/bin/"]);
        const files = resolve(all, from.slice("--from=".length));
        const sources = files.instructions
          .filter((i) => i.keyword === "COPY")
          .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build argument, not a JS template
          .map((p) => p.replaceAll("${TWINBIN_VERSION}", globals.TWINBIN_VERSION ?? ""));
        const folder = `twinbin-${VERSION}-linux-${target}${libc}`;
        expect(files.base).toBe("scratch");
        expect(sources).toEqual([`${folder}/first`, `${folder}/second`]);
        for (const source of sources) {
          expect(existsSync(join(dir, source))).toBe(true);
          expect(executableInfo(join(dir, source)).arch).toBe(cpu);
        }

        const keywords = final.instructions.map((i) => `${i.keyword} ${i.args}`);
        expect(keywords).toContain("USER twinbin");
        expect(keywords).toContain("WORKDIR /var/lib/twinbin");
        expect(keywords).toContain('CMD ["first"]');
      });
    }
  }
});
