// The platforms twinbin ships binaries for: Bun's compile target, the libSQL addon package built for the same
// platform, and what a correct executable for it looks like (checked by tests/release).

export interface Target {
  /** Our name, used in release folder names and `--target`. */
  name: string;
  /** `bun build --compile --target=…`. */
  bun: Bun.Build.CompileTarget;
  /** The libSQL native package (`@libsql/<libsql>`) whose `index.node` runs on this platform. */
  libsql: string;
  /** Executable suffix. */
  exe: "" | ".exe";
  format: "elf" | "macho" | "pe";
  arch: "x64" | "arm64";
  /** ELF only: the C library the runtime and the addon link against. */
  libc?: "glibc" | "musl";
}

export const TARGETS: readonly Target[] = [
  {
    name: "linux-x64",
    bun: "bun-linux-x64",
    libsql: "linux-x64-gnu",
    exe: "",
    format: "elf",
    arch: "x64",
    libc: "glibc",
  },
  {
    name: "linux-arm64",
    bun: "bun-linux-arm64",
    libsql: "linux-arm64-gnu",
    exe: "",
    format: "elf",
    arch: "arm64",
    libc: "glibc",
  },
  {
    name: "linux-x64-musl",
    bun: "bun-linux-x64-musl",
    libsql: "linux-x64-musl",
    exe: "",
    format: "elf",
    arch: "x64",
    libc: "musl",
  },
  {
    name: "linux-arm64-musl",
    bun: "bun-linux-arm64-musl",
    libsql: "linux-arm64-musl",
    exe: "",
    format: "elf",
    arch: "arm64",
    libc: "musl",
  },
  { name: "darwin-x64", bun: "bun-darwin-x64", libsql: "darwin-x64", exe: "", format: "macho", arch: "x64" },
  { name: "darwin-arm64", bun: "bun-darwin-arm64", libsql: "darwin-arm64", exe: "", format: "macho", arch: "arm64" },
  { name: "windows-x64", bun: "bun-windows-x64", libsql: "win32-x64-msvc", exe: ".exe", format: "pe", arch: "x64" },
];

/** The target this machine runs (only Linux glibc hosts build binaries here). */
export function hostTarget(): Target {
  const host = `${process.platform}-${process.arch}`;
  const target = TARGETS.find((t) => t.name === host && t.libc === "glibc");
  if (!target) throw new Error(`building binaries is set up for linux x64/arm64 (glibc), not ${host}`);
  return target;
}

/** Parses `--target a,b` (empty: all). Throws naming every unknown target. */
export function selectTargets(list: string | undefined): Target[] {
  if (!list) return [...TARGETS];
  const names = list
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown target ${unknown.join(", ")} (known: ${TARGETS.map((t) => t.name).join(", ")})`);
  }
  return TARGETS.filter((t) => names.includes(t.name));
}
