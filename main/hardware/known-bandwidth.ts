/**
 * Peak memory bandwidth of common GPUs and Apple chips, in GB/s (10^9 B/s),
 * as their vendors publish it. Only figures taken from the vendor's own spec
 * pages are listed; anything else is measured (bandwidth.ts).
 *
 * Sources:
 * - NVIDIA GeForce spec pages (nvidia.com → GeForce → graphics cards → <model>
 *   → "Specs": memory interface width × memory speed), e.g. RTX 4090 384-bit
 *   × 21 Gbps = 1008 GB/s. RTX A6000 and RTX 6000 Ada: NVIDIA workstation
 *   data sheets. Tesla T4: NVIDIA T4 data sheet.
 * - AMD product pages (amd.com → Radeon RX → <model> → "Memory Bandwidth").
 * - Apple newsroom announcements and Mac tech-spec pages ("unified memory
 *   bandwidth"). Where one chip name comes in two GPU bins with different
 *   memory buses (M3 Max, M4 Max) the figure is chosen by GPU core count.
 */

export interface KnownBandwidth {
  /** Lower-case tokens that must appear, in order and adjacent, in the normalised model name. */
  readonly key: string;
  readonly gbps: number;
  /** For chips sold in bins with different buses: GPU core count → GB/s; `gbps` is the lower bin. */
  readonly byGpuCores?: Readonly<Record<number, number>>;
  readonly source: string;
}

const NVIDIA = 'NVIDIA spec page';
const AMD = 'AMD spec page';
const APPLE = 'Apple tech specs';

export const KNOWN_BANDWIDTH: readonly KnownBandwidth[] = [
  // NVIDIA GeForce RTX 50 / 40 / 30 series
  { key: 'rtx 5090', gbps: 1792, source: NVIDIA },
  { key: 'rtx 5080', gbps: 960, source: NVIDIA },
  { key: 'rtx 4090', gbps: 1008, source: NVIDIA },
  { key: 'rtx 4080 super', gbps: 736, source: NVIDIA },
  { key: 'rtx 4080', gbps: 716.8, source: NVIDIA },
  { key: 'rtx 4070 ti super', gbps: 672, source: NVIDIA },
  { key: 'rtx 4070 ti', gbps: 504, source: NVIDIA },
  { key: 'rtx 4070 super', gbps: 504, source: NVIDIA },
  { key: 'rtx 4070', gbps: 504, source: NVIDIA },
  { key: 'rtx 4060 ti', gbps: 288, source: NVIDIA },
  { key: 'rtx 4060', gbps: 272, source: NVIDIA },
  { key: 'rtx 3090 ti', gbps: 1008, source: NVIDIA },
  { key: 'rtx 3090', gbps: 936, source: NVIDIA },
  { key: 'rtx 3080 ti', gbps: 912, source: NVIDIA },
  { key: 'rtx 3070', gbps: 448, source: NVIDIA },
  { key: 'rtx 3060', gbps: 360, source: NVIDIA },
  // NVIDIA workstation / data centre
  { key: 'rtx 6000 ada', gbps: 960, source: NVIDIA },
  { key: 'rtx a6000', gbps: 768, source: NVIDIA },
  { key: 'tesla t4', gbps: 320, source: NVIDIA },
  // AMD Radeon
  { key: 'rx 7900 xtx', gbps: 960, source: AMD },
  { key: 'rx 7900 xt', gbps: 800, source: AMD },
  { key: 'rx 6900 xt', gbps: 512, source: AMD },
  // Apple Silicon (unified memory: the same figure serves CPU and GPU)
  { key: 'm1', gbps: 68.25, source: APPLE },
  { key: 'm1 pro', gbps: 200, source: APPLE },
  { key: 'm1 max', gbps: 400, source: APPLE },
  { key: 'm1 ultra', gbps: 800, source: APPLE },
  { key: 'm2', gbps: 100, source: APPLE },
  { key: 'm2 pro', gbps: 200, source: APPLE },
  { key: 'm2 max', gbps: 400, source: APPLE },
  { key: 'm2 ultra', gbps: 800, source: APPLE },
  { key: 'm3', gbps: 100, source: APPLE },
  { key: 'm3 pro', gbps: 150, source: APPLE },
  { key: 'm3 max', gbps: 300, byGpuCores: { 30: 300, 40: 400 }, source: APPLE },
  { key: 'm3 ultra', gbps: 819, source: APPLE },
  { key: 'm4', gbps: 120, source: APPLE },
  { key: 'm4 pro', gbps: 273, source: APPLE },
  { key: 'm4 max', gbps: 410, byGpuCores: { 32: 410, 40: 546 }, source: APPLE },
];

/**
 * Words that turn a model into another one: `RTX 4070` must not match
 * `RTX 4070 Ti SUPER`, nor `M2` match `M2 Max`. A name whose matched key is
 * followed by one of these and has no entry of its own is not in the table.
 */
const VARIANT_WORDS = new Set(['ti', 'super', 'xt', 'xtx', 'pro', 'max', 'ultra', 'mobile', 'laptop', 'ada', 'gre']);

/** Noise words vendors and drivers put around the model name. */
const NOISE = /\b(nvidia|geforce|amd|radeon|apple|graphics|gpu|\(tm\)|\(r\))\b/g;

export function normaliseModelName(name: string): string[] {
  return name
    .toLowerCase()
    .replace(/[™®]/g, ' ')
    .replace(NOISE, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

export interface BandwidthLookup {
  readonly gbps: number;
  readonly detail: string;
}

/** The vendor figure for a GPU or Apple chip name, or undefined when the table does not know it. */
export function lookupKnownBandwidth(modelName: string, gpuCores?: number | null): BandwidthLookup | undefined {
  const tokens = normaliseModelName(modelName);
  let best: { entry: KnownBandwidth; length: number } | undefined;
  for (const entry of KNOWN_BANDWIDTH) {
    const keyTokens = entry.key.split(' ');
    const at = indexOfRun(tokens, keyTokens);
    if (at < 0) continue;
    const next = tokens[at + keyTokens.length];
    if (next !== undefined && VARIANT_WORDS.has(next)) continue;
    if (!best || keyTokens.length > best.length) best = { entry, length: keyTokens.length };
  }
  if (!best) return undefined;
  const { entry } = best;
  const binned = gpuCores != null ? entry.byGpuCores?.[gpuCores] : undefined;
  const gbps = binned ?? entry.gbps;
  const note = entry.byGpuCores && binned === undefined ? ' (lower GPU bin assumed: core count unknown)' : '';
  return { gbps, detail: `${entry.source}: ${entry.key.toUpperCase()} ${gbps} GB/s${note}` };
}

function indexOfRun(tokens: readonly string[], run: readonly string[]): number {
  outer: for (let i = 0; i + run.length <= tokens.length; i += 1) {
    for (let j = 0; j < run.length; j += 1) if (tokens[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
