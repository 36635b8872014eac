// What /proc says about a process under test, and reading Prometheus text.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Resident set size in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/** Open file descriptors: entries of /proc/<pid>/fd, and how many of them are sockets. */
export function openFds(pid: number): { total: number; sockets: number } {
  const fds = readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) sockets++;
    } catch {
      // closed between readdir and readlink
    }
  }
  return { total: fds.length, sockets };
}

/**
 * Sum of the samples of `name` in Prometheus text whose labels include every `labels` pair (e.g.
 * {error_type: "queue_full"}), or for which `labels(labelText)` holds; 0 when there is none.
 */
export function metricSum(
  text: string,
  name: string,
  labels: Record<string, string> | ((labelText: string) => boolean) = {},
): number {
  const matches =
    typeof labels === "function"
      ? labels
      : (labelText: string) => Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
  let sum = 0;
  for (const line of text.split("\n")) {
    const labelled = line.startsWith(`${name}{`);
    if (!labelled && !line.startsWith(`${name} `)) continue;
    const labelText = labelled ? line.slice(name.length + 1, line.lastIndexOf("}")) : "";
    if (matches(labelText)) {
      sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return sum;
}

export async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** How many of the process's TCP sockets are connected to `port` on the remote side (from /proc/<pid>/net/tcp). */
export function socketsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed between readdir and readlink
    }
  }
  let count = 0;
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    const remotePort = Number.parseInt(columns[2]?.split(":")[1] ?? "", 16);
    if (columns[9] !== undefined && inodes.has(columns[9]) && remotePort === port) count++;
  }
  return count;
}

/** utime + stime of a process, in clock ticks (0 once it is gone). */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** `pids` and their direct children (gunicorn's workers). */
function withChildren(pids: number[]): number[] {
  const all = new Set(pids);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (all.has(ppid)) all.add(Number(entry));
    } catch {
      // gone
    }
  }
  return [...all];
}

export interface CpuSnapshot {
  /** Machine-wide busy and total ticks (/proc/stat), and the ticks of the processes under test. */
  busy: number;
  total: number;
  ours: number;
}

/** CPU use so far: the machine's, and that of `pids` (with their children). */
export function cpuSnapshot(pids: number[]): CpuSnapshot {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  const total = busy + (idle ?? 0) + (iowait ?? 0);
  return { busy, total, ours: withChildren(pids).reduce((sum, pid) => sum + processTicks(pid), 0) };
}

/** Share of the machine's CPU (0..1) that processes other than ours used between two snapshots. */
export function foreignCpuShare(from: CpuSnapshot, to: CpuSnapshot): number {
  const total = to.total - from.total;
  return total > 0 ? Math.max(0, to.busy - from.busy - (to.ours - from.ours)) / total : 0;
}
