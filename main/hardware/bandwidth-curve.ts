/** Reading a measured bandwidth-by-size curve (bandwidth.ts measures it). Pure. */
import type { BandwidthPoint } from './types.js';

/**
 * The read bandwidth for a working set of `bytes`, from a curve: linear
 * between the measured sizes, the smallest size's figure below them and the
 * largest's above. Undefined for an empty curve.
 */
export function bandwidthAt(curve: readonly BandwidthPoint[] | undefined, bytes: number): number | undefined {
  if (!curve || curve.length === 0) return undefined;
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (bytes <= first.bytes) return first.gbps;
  if (bytes >= last.bytes) return last.gbps;
  for (let index = 1; index < curve.length; index += 1) {
    const high = curve[index]!;
    const low = curve[index - 1]!;
    if (bytes <= high.bytes) return low.gbps + ((high.gbps - low.gbps) * (bytes - low.bytes)) / (high.bytes - low.bytes);
  }
  return last.gbps;
}
