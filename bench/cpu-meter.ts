/** CPU of a process tree, from /proc (user + sys of each process, kept at its highest seen). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcInfo {
  ppid: number;
  cpuMs: number;
}
function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK,
    };
  } catch {
    return undefined;
  }
}

/** The CPU (user + sys, ms) one process has used so far; 0 when it is gone. */
export function cpuMsOf(pid: number): number {
  return readProc(pid)?.cpuMs ?? 0;
}

/** Samples the CPU of every process under a root, keeping what each process used at most. */
export class CpuMeter {
  private readonly seen = new Map<number, { group: string; cpuMs: number }>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly root: number,
    private readonly groupOf: (pid: number) => string,
  ) {}

  sample(): void {
    const procs = new Map<number, ProcInfo>();
    for (const entry of fs.readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      const info = readProc(pid);
      if (info) procs.set(pid, info);
    }
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p && hops < 20; hops++) {
        if (p === this.root) return true;
        p = procs.get(p)?.ppid;
      }
      return false;
    };
    for (const [pid, info] of procs) {
      if (!inTree(pid)) continue;
      const known = this.seen.get(pid);
      if (known) known.cpuMs = Math.max(known.cpuMs, info.cpuMs);
      else this.seen.set(pid, { group: this.groupOf(pid), cpuMs: info.cpuMs });
    }
  }

  start(intervalMs = 250): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU ms per group so far. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { group, cpuMs } of this.seen.values()) out[group] = (out[group] ?? 0) + cpuMs;
    return out;
  }
}
/** What each group used between two totals. */
export function diff(after: Record<string, number>, before: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}
/** The sum of a record's values. */
export const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
