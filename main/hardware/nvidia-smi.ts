/**
 * Live NVIDIA figures (utilisation, VRAM used and total) from nvidia-smi's
 * query interface, run asynchronously.
 *
 * systeminformation's `graphics()` runs nvidia-smi (and dmidecode) with
 * `execFileSync`/`execSync`: each poll would freeze the engine's event loop
 * for as long as nvidia-smi takes (tens to hundreds of milliseconds), every
 * 2 s while the Hardware page is open — every stream in flight would stall.
 * The one-time hardware probe still uses systeminformation.
 */
import { execFile } from 'node:child_process';

/** One GPU as the live sample needs it; MiB as nvidia-smi reports them, null where it says N/A. */
export interface NvidiaReading {
  readonly model: string;
  readonly utilizationGpu: number | null;
  readonly memoryUsed: number | null;
  readonly memoryTotal: number | null;
}

/** `nvidia-smi --help-query-gpu` names these fields; `nounits` leaves bare numbers (MiB, %). */
export const NVIDIA_SMI_ARGS = ['--query-gpu=name,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'] as const;

function numberOrNull(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text.trim());
  // "[N/A]", "[Not Supported]" and the like are not numbers.
  return text.trim() !== '' && Number.isFinite(value) ? value : null;
}

/** One line per GPU: `name, utilization %, used MiB, total MiB`. The name may itself hold commas. */
export function parseNvidiaSmiCsv(text: string): NvidiaReading[] {
  const readings: NvidiaReading[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length < 4) continue;
    const [utilization, used, total] = fields.slice(-3);
    readings.push({
      model: fields.slice(0, -3).join(',').trim(),
      utilizationGpu: numberOrNull(utilization),
      memoryUsed: numberOrNull(used),
      memoryTotal: numberOrNull(total),
    });
  }
  return readings;
}

export interface NvidiaQueryOptions {
  /** Default `nvidia-smi` from PATH. */
  readonly binary?: string;
  /** Give up after this long (the poller's next round tries again); default 5 s. */
  readonly timeoutMs?: number;
}

export function queryNvidiaSmi(options: NvidiaQueryOptions = {}): Promise<NvidiaReading[]> {
  return new Promise((resolve, reject) => {
    execFile(options.binary ?? 'nvidia-smi', [...NVIDIA_SMI_ARGS], { timeout: options.timeoutMs ?? 5_000, windowsHide: true }, (error, stdout) => {
      if (error) reject(new Error(`nvidia-smi: ${error.message}`));
      else resolve(parseNvidiaSmiCsv(stdout));
    });
  });
}
