/**
 * Peak memory bandwidth of common GPUs and Apple chips, in GB/s (10^9 B/s),
 * as their vendors publish it. Every entry names the vendor page it comes
 * from. Where a page gives the memory interface and data rate rather than a
 * GB/s figure (most GeForce pages), the figure is bus width ÷ 8 × data rate,
 * e.g. RTX 3080 10 GB: 320-bit × 19 Gbps ÷ 8 = 760 GB/s. A GPU not listed has
 * no figure: bandwidth.ts then says so ("bandwidth unknown") instead of
 * guessing, and Apple chips fall back to the measured CPU figure, labelled as
 * an estimate.
 *
 * Cards sold with one name and two memory configurations are told apart by
 * VRAM (RTX 3080 10/12 GB, RTX 3060 8/12 GB, A100 40/80 GB); chips sold in
 * bins with different buses (M3 Max, M4 Max) by GPU core count.
 */

export interface KnownBandwidth {
  /** Lower-case tokens that must appear, in order and adjacent, in the normalised model name. */
  readonly key: string;
  readonly gbps: number;
  /** For chips sold in bins with different buses: GPU core count → GB/s; `gbps` is the lower bin. */
  readonly byGpuCores?: Readonly<Record<number, number>>;
  /** For cards sold with two memory sizes on different buses: VRAM in GiB (rounded) → GB/s; `gbps` is the lower one. */
  readonly byVramGiB?: Readonly<Record<number, number>>;
  /** The vendor page the figure comes from. */
  readonly source: string;
}

const GEFORCE = 'https://www.nvidia.com/en-us/geforce/graphics-cards';
const RTX50 = `${GEFORCE}/50-series`;
const RTX40 = `${GEFORCE}/40-series`;
const RTX30 = `${GEFORCE}/30-series`;
const NV_DC = 'https://www.nvidia.com/en-us/data-center';
const NV_WS = 'https://www.nvidia.com/en-us/design-visualization';
const RADEON = 'https://www.amd.com/en/products/graphics/desktops/radeon';
const INSTINCT = 'https://www.amd.com/en/products/accelerators/instinct';
const APPLE_NEWS = 'https://www.apple.com/newsroom';

export const KNOWN_BANDWIDTH: readonly KnownBandwidth[] = [
  // NVIDIA GeForce RTX 50 series (GDDR7)
  { key: 'rtx 5090', gbps: 1792, source: `${RTX50}/rtx-5090/` },
  { key: 'rtx 5080', gbps: 960, source: `${RTX50}/rtx-5080/` },
  { key: 'rtx 5070 ti', gbps: 896, source: `${RTX50}/rtx-5070-family/` },
  { key: 'rtx 5070', gbps: 672, source: `${RTX50}/rtx-5070-family/` },
  { key: 'rtx 5060 ti', gbps: 448, source: `${RTX50}/rtx-5060-family/` },
  { key: 'rtx 5060', gbps: 448, source: `${RTX50}/rtx-5060-family/` },
  // RTX 40 series
  { key: 'rtx 4090', gbps: 1008, source: `${RTX40}/rtx-4090/` },
  { key: 'rtx 4080 super', gbps: 736, source: `${RTX40}/rtx-4080-family/` },
  { key: 'rtx 4080', gbps: 716.8, source: `${RTX40}/rtx-4080-family/` },
  { key: 'rtx 4070 ti super', gbps: 672, source: `${RTX40}/rtx-4070-family/` },
  { key: 'rtx 4070 ti', gbps: 504, source: `${RTX40}/rtx-4070-family/` },
  { key: 'rtx 4070 super', gbps: 504, source: `${RTX40}/rtx-4070-family/` },
  { key: 'rtx 4070', gbps: 504, source: `${RTX40}/rtx-4070-family/` },
  { key: 'rtx 4060 ti', gbps: 288, source: `${RTX40}/rtx-4060-4060ti/` },
  { key: 'rtx 4060', gbps: 272, source: `${RTX40}/rtx-4060-4060ti/` },
  // RTX 30 series
  { key: 'rtx 3090 ti', gbps: 1008, source: `${RTX30}/rtx-3090-3090ti/` },
  { key: 'rtx 3090', gbps: 936, source: `${RTX30}/rtx-3090-3090ti/` },
  { key: 'rtx 3080 ti', gbps: 912, source: `${RTX30}/rtx-3080-3080ti/` },
  { key: 'rtx 3080', gbps: 760, byVramGiB: { 10: 760, 12: 912 }, source: `${RTX30}/rtx-3080-3080ti/` },
  { key: 'rtx 3070 ti', gbps: 608, source: `${RTX30}/rtx-3070-3070ti/` },
  { key: 'rtx 3070', gbps: 448, source: `${RTX30}/rtx-3070-3070ti/` },
  { key: 'rtx 3060 ti', gbps: 448, source: `${RTX30}/rtx-3060-3060ti/` },
  { key: 'rtx 3060', gbps: 240, byVramGiB: { 8: 240, 12: 360 }, source: `${RTX30}/rtx-3060-3060ti/` },
  // NVIDIA data centre
  { key: 'h100 nvl', gbps: 3900, source: `${NV_DC}/h100/` },
  { key: 'h100 80gb hbm3', gbps: 3350, source: `${NV_DC}/h100/` },
  { key: 'h100 sxm5', gbps: 3350, source: `${NV_DC}/h100/` },
  { key: 'h100 pcie', gbps: 2000, source: `${NV_DC}/h100/` },
  { key: 'a100 sxm4', gbps: 1555, byVramGiB: { 40: 1555, 80: 2039 }, source: `${NV_DC}/a100/` },
  { key: 'a100', gbps: 1555, byVramGiB: { 40: 1555, 80: 1935 }, source: `${NV_DC}/a100/` },
  { key: 'l40s', gbps: 864, source: `${NV_DC}/l40s/` },
  { key: 'l40', gbps: 864, source: `${NV_DC}/l40/` },
  { key: 'l4', gbps: 300, source: `${NV_DC}/l4/` },
  { key: 'a10g', gbps: 600, source: 'https://aws.amazon.com/ec2/instance-types/g5/' },
  { key: 'a10', gbps: 600, source: `${NV_DC}/products/a10-gpu/` },
  { key: 'tesla t4', gbps: 320, source: `${NV_DC}/tesla-t4/` },
  // NVIDIA workstation
  { key: 'rtx 6000 ada', gbps: 960, source: `${NV_WS}/rtx-6000/` },
  { key: 'rtx a6000', gbps: 768, source: `${NV_WS}/rtx-a6000/` },
  // AMD Radeon RX 9000 / 7000 / 6000 series
  { key: 'rx 9070 xt', gbps: 640, source: `${RADEON}/9000-series/amd-radeon-rx-9070xt.html` },
  { key: 'rx 9070', gbps: 640, source: `${RADEON}/9000-series/amd-radeon-rx-9070.html` },
  { key: 'rx 7900 xtx', gbps: 960, source: `${RADEON}/7000-series/amd-radeon-rx-7900xtx.html` },
  { key: 'rx 7900 xt', gbps: 800, source: `${RADEON}/7000-series/amd-radeon-rx-7900xt.html` },
  { key: 'rx 7900 gre', gbps: 576, source: `${RADEON}/7000-series/amd-radeon-rx-7900-gre.html` },
  { key: 'rx 7800 xt', gbps: 624, source: `${RADEON}/7000-series/amd-radeon-rx-7800-xt.html` },
  { key: 'rx 7700 xt', gbps: 432, source: `${RADEON}/7000-series/amd-radeon-rx-7700-xt.html` },
  { key: 'rx 7600 xt', gbps: 288, source: `${RADEON}/7000-series/amd-radeon-rx-7600-xt.html` },
  { key: 'rx 7600', gbps: 288, source: `${RADEON}/7000-series/amd-radeon-rx-7600.html` },
  { key: 'rx 6900 xt', gbps: 512, source: `${RADEON}/6000-series/amd-radeon-rx-6900-xt.html` },
  { key: 'rx 6800 xt', gbps: 512, source: `${RADEON}/6000-series/amd-radeon-rx-6800-xt.html` },
  // AMD Instinct
  { key: 'mi300x', gbps: 5300, source: `${INSTINCT}/mi300/mi300x.html` },
  { key: 'mi250x', gbps: 3276.8, source: `${INSTINCT}/mi200/mi250x.html` },
  // Apple Silicon (unified memory: the same figure serves CPU and GPU)
  { key: 'm1', gbps: 68.25, source: 'https://support.apple.com/kb/SP824 (MacBook Air M1 tech specs)' },
  { key: 'm1 pro', gbps: 200, source: `${APPLE_NEWS}/2021/10/introducing-m1-pro-and-m1-max-the-most-powerful-chips-apple-has-ever-built/` },
  { key: 'm1 max', gbps: 400, source: `${APPLE_NEWS}/2021/10/introducing-m1-pro-and-m1-max-the-most-powerful-chips-apple-has-ever-built/` },
  { key: 'm1 ultra', gbps: 800, source: `${APPLE_NEWS}/2022/03/apple-unveils-m1-ultra-the-worlds-most-powerful-chip-for-a-personal-computer/` },
  { key: 'm2', gbps: 100, source: `${APPLE_NEWS}/2022/06/apple-unveils-m2-with-breakthrough-performance-and-capabilities/` },
  { key: 'm2 pro', gbps: 200, source: `${APPLE_NEWS}/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-workflows/` },
  { key: 'm2 max', gbps: 400, source: `${APPLE_NEWS}/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-workflows/` },
  { key: 'm2 ultra', gbps: 800, source: `${APPLE_NEWS}/2023/06/apple-introduces-m2-ultra/` },
  { key: 'm3', gbps: 100, source: `${APPLE_NEWS}/2023/10/apple-unveils-m3-m3-pro-and-m3-max-the-most-advanced-chips-for-a-personal-computer/` },
  { key: 'm3 pro', gbps: 150, source: `${APPLE_NEWS}/2023/10/apple-unveils-m3-m3-pro-and-m3-max-the-most-advanced-chips-for-a-personal-computer/` },
  {
    key: 'm3 max',
    gbps: 300,
    byGpuCores: { 30: 300, 40: 400 },
    source: 'https://support.apple.com/en-us/117737 (MacBook Pro 14-inch, Nov 2023, tech specs)',
  },
  { key: 'm3 ultra', gbps: 819, source: `${APPLE_NEWS}/2025/03/apple-unveils-new-mac-studio-the-most-powerful-mac-ever/` },
  { key: 'm4', gbps: 120, source: `${APPLE_NEWS}/2024/05/apple-introduces-m4-chip/` },
  { key: 'm4 pro', gbps: 273, source: `${APPLE_NEWS}/2024/10/apple-introduces-m4-pro-and-m4-max/` },
  { key: 'm4 max', gbps: 410, byGpuCores: { 32: 410, 40: 546 }, source: `${APPLE_NEWS}/2024/10/apple-introduces-m4-pro-and-m4-max/` },
  { key: 'm5', gbps: 153, source: `${APPLE_NEWS}/2025/10/apple-unleashes-m5-the-next-big-leap-in-ai-performance-for-apple-silicon/` },
];

/**
 * Words that turn a model into another one: `RTX 4070` must not match
 * `RTX 4070 Ti SUPER`, nor `M2` match `M2 Max`. A name whose matched key is
 * followed by one of these and has no entry of its own is not in the table.
 */
const VARIANT_WORDS = new Set(['ti', 'super', 'xt', 'xtx', 'pro', 'max', 'ultra', 'mobile', 'laptop', 'ada', 'gre', 'nvl']);

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

/**
 * The vendor figure for a GPU or Apple chip name, or undefined when the table
 * does not know it. `gpuCores` picks an Apple bin, `vramBytes` a card's memory
 * configuration; without them the lower figure is given and the detail says so.
 */
export function lookupKnownBandwidth(modelName: string, gpuCores?: number | null, vramBytes?: number | null): BandwidthLookup | undefined {
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
  const vramGiB = vramBytes != null && vramBytes > 0 ? Math.round(vramBytes / 2 ** 30) : undefined;
  const byVram = vramGiB !== undefined ? entry.byVramGiB?.[vramGiB] : undefined;
  const gbps = binned ?? byVram ?? entry.gbps;
  const note =
    entry.byGpuCores && binned === undefined
      ? ' (lower GPU bin assumed: core count unknown)'
      : entry.byVramGiB && byVram === undefined
        ? ' (lower memory configuration assumed: VRAM size not matched)'
        : '';
  const variant = byVram !== undefined ? ` ${vramGiB} GB` : '';
  return { gbps, detail: `vendor figure for ${entry.key.toUpperCase()}${variant}: ${gbps} GB/s${note} (${entry.source})` };
}

function indexOfRun(tokens: readonly string[], run: readonly string[]): number {
  outer: for (let i = 0; i + run.length <= tokens.length; i += 1) {
    for (let j = 0; j < run.length; j += 1) if (tokens[i + j] !== run[j]) continue outer;
    return i;
  }
  return -1;
}
