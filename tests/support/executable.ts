// Reads what an executable is from its headers: container format, CPU and, for ELF, the program interpreter
// (which names the C library). Only the few fields the release checks need.
import { closeSync, openSync, readSync } from "node:fs";

export interface ExecutableInfo {
  format: "elf" | "macho" | "pe" | "unknown";
  arch: "x64" | "arm64" | "other";
  /** ELF: the PT_INTERP path, e.g. /lib/ld-musl-aarch64.so.1. */
  interpreter?: string;
}

const ELF_MACHINES: Record<number, ExecutableInfo["arch"]> = { 62: "x64", 183: "arm64" };
const MACHO_CPUS: Record<number, ExecutableInfo["arch"]> = { 16777223: "x64", 16777228: "arm64" };
const PE_MACHINES: Record<number, ExecutableInfo["arch"]> = { 34404: "x64", 43620: "arm64" };

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, offset);
  return buffer;
}

function elf(fd: number, head: Buffer): ExecutableInfo {
  if (head[4] !== 2 || head[5] !== 1) return { format: "elf", arch: "other" }; // only 64-bit little-endian here
  const arch = ELF_MACHINES[head.readUInt16LE(18)] ?? "other";
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54);
  const phnum = head.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const ph = readAt(fd, phoff + i * phentsize, phentsize);
    if (ph.readUInt32LE(0) !== 3) continue; // PT_INTERP
    const raw = readAt(fd, Number(ph.readBigUInt64LE(8)), Number(ph.readBigUInt64LE(32)));
    return { format: "elf", arch, interpreter: raw.toString("latin1").replace(/\0+$/, "") };
  }
  return { format: "elf", arch };
}

export function executableInfo(path: string): ExecutableInfo {
  const fd = openSync(path, "r");
  try {
    const head = readAt(fd, 0, 64);
    if (head.readUInt32BE(0) === 0x7f454c46) return elf(fd, head);
    if (head.readUInt32LE(0) === 0xfeedfacf)
      return { format: "macho", arch: MACHO_CPUS[head.readUInt32LE(4)] ?? "other" };
    if (head.toString("latin1", 0, 2) === "MZ") {
      const pe = readAt(fd, head.readUInt32LE(0x3c), 6);
      if (pe.toString("latin1", 0, 4) === "PE\0\0")
        return { format: "pe", arch: PE_MACHINES[pe.readUInt16LE(4)] ?? "other" };
    }
    return { format: "unknown", arch: "other" };
  } finally {
    closeSync(fd);
  }
}
