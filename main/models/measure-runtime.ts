/**
 * How much memory a runtime process really uses: its resident set size (RSS)
 * as the kernel reports it in `/proc/PID/status` (`VmRSS`). Linux only; on
 * other systems, or when the process is gone, the answer is null and the
 * caller keeps showing the prediction.
 *
 * RSS counts the whole process: the runtime's own code and libraries as well
 * as the model, its KV cache and compute buffers. Compare it with a prediction
 * that includes the runtime's overhead (FitDecision.memory.ramBytes).
 */
import { readFile } from 'node:fs/promises';

export interface ReadRssOptions {
  /** Defaults to process.platform. */
  readonly platform?: NodeJS.Platform;
  /** Reads a text file; tests pass a double. */
  readonly readText?: (path: string) => Promise<string>;
}

/** Resident memory of process `pid` in bytes, or null when it cannot be read here. */
export async function readProcessRssBytes(pid: number, options: ReadRssOptions = {}): Promise<number | null> {
  if ((options.platform ?? process.platform) !== 'linux') return null;
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const readText = options.readText ?? ((path: string) => readFile(path, 'utf8'));
  let status: string;
  try {
    status = await readText(`/proc/${pid}/status`);
  } catch {
    return null; // the process exited, or /proc is not readable
  }
  return parseVmRss(status);
}

/** `VmRSS:   123456 kB` from a /proc/PID/status text, in bytes (the kernel's "kB" is KiB). */
export function parseVmRss(statusText: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB\s*$/m.exec(statusText);
  if (!match?.[1]) return null; // kernel threads and zombies have no VmRSS line
  return Number(match[1]) * 1024;
}
