/**
 * Whole-machine CPU load between two reads of the kernel's CPU time counters.
 *
 * systeminformation's `currentLoad()` runs `cat /proc/stat | grep cpu` through
 * `execSync` on Linux: a shell spawned synchronously, which froze the engine's
 * event loop for 20–50 ms on every poll of a busy 2-core machine (every
 * request in flight waited). Here the counters are one asynchronous file read
 * on Linux and `os.cpus()` elsewhere; the arithmetic is a pure function.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** CPU time summed over every core, in the counters' own unit. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/** Load in percent (0–100, one decimal) over the span between two reads; 0 when no time passed. */
export function cpuLoadPct(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  const pct = ((after.busy - before.busy) / total) * 100;
  return Math.round(Math.min(100, Math.max(0, pct)) * 10) / 10;
}

/**
 * The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq
 * softirq steal (guest time is already inside user). Null when the text has none.
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = /^cpu +([\d ]+)$/m.exec(text);
  if (!line) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line[1]!.trim().split(/ +/).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** The same counters from `os.cpus()`, for systems without /proc/stat. */
export function timesFromCpus(cpus: readonly os.CpuInfo[]): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus) {
    const used = times.user + times.nice + times.sys + times.irq;
    busy += used;
    total += used + times.idle;
  }
  return { busy, total };
}

export async function readCpuTimes(): Promise<CpuTimes> {
  if (process.platform === 'linux') {
    const parsed = parseProcStat(await readFile('/proc/stat', 'utf8').catch(() => ''));
    if (parsed) return parsed;
  }
  return timesFromCpus(os.cpus());
}

/**
 * Each call answers the load since the previous call; the first call measures
 * over `firstSpanMs` (the counters alone would give the average since boot).
 * One reader per poller.
 */
export function createCpuLoadReader(read: () => Promise<CpuTimes> = readCpuTimes, firstSpanMs = 100): () => Promise<number> {
  let last: CpuTimes | null = null;
  return async () => {
    if (last === null) {
      last = await read();
      await new Promise((resolve) => setTimeout(resolve, firstSpanMs));
    }
    const now = await read();
    const pct = cpuLoadPct(last, now);
    last = now;
    return pct;
  };
}
