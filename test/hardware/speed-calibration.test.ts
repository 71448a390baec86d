/**
 * The speed estimate reads the measured read-bandwidth curve at the model's
 * per-token working set, and says honestly when a GPU's bandwidth is unknown.
 * Figures worked by hand, with explicit efficiency.
 */
import { describe, expect, it } from 'vitest';
import { unknownGpuDetail } from '../../main/hardware/bandwidth.js';
import type { ModelShape } from '../../main/hardware/model-shape.js';
import { CPU_EFFICIENCY, cpuBandwidthFor, estimateDecodeSpeed } from '../../main/hardware/speed.js';
import type { MemoryBandwidth } from '../../main/hardware/types.js';

const MIB = 1024 * 1024;
/** 56 MB read per token: 4 blocks of 12.5 MB and a 6 MB output projection (a 1 MB embedding is not read whole). */
const MODEL: ModelShape = {
  layers: 4,
  headCount: 8,
  kvHeadCount: 4,
  headDimK: 64,
  headDimV: 64,
  embeddingLength: 512,
  feedForwardLength: 1024,
  vocabSize: 32000,
  trainedContext: 4096,
  weights: { inputBytes: 1e6, outputBytes: 6e6, layerBytes: [12.5e6, 12.5e6, 12.5e6, 12.5e6], expertBytes: 0 },
  experts: null,
};
const ETA = { cpuEfficiency: { low: 0.5, high: 1 }, gpuEfficiency: { low: 0.5, high: 1 } };
const CURVE: MemoryBandwidth = {
  cpuGBps: 30,
  cpuSource: { kind: 'measured', detail: 'paper' },
  cpuCurve: [
    { bytes: 32 * MIB, gbps: 48 },
    { bytes: 64 * MIB, gbps: 36 },
    { bytes: 256 * MIB, gbps: 30 },
  ],
  gpuGBps: null,
  gpuSource: null,
};

describe('CPU speed from the read-bandwidth curve', () => {
  it('reads the curve at 56 MB: 48 − 12 × (56e6 − 32 MiB) / 32 MiB = 40.0 GB/s; 0.5–1 × 40 GB/s ÷ 56 MB = 357–714 tok/s', () => {
    expect(cpuBandwidthFor(CURVE, 56e6)).toBe(40);
    const estimate = estimateDecodeSpeed({ model: MODEL, gpuLayers: 0, bandwidth: CURVE, ...ETA });
    expect(estimate.bytesPerToken).toEqual({ gpu: 0, cpu: 56e6 });
    expect(estimate.tokensPerSecond).toEqual({ low: 357, high: 714 });
    expect(estimate.reason).toContain('56.0 MB from RAM at 40 GB/s (measured, read at a 56.0 MB working set) × η 0.5–1');
  });

  it('uses the single figure without a curve, and the largest size beyond it', () => {
    expect(cpuBandwidthFor({ ...CURVE, cpuCurve: undefined }, 56e6)).toBe(30);
    expect(cpuBandwidthFor(CURVE, 1e9)).toBe(30);
  });

  it('is calibrated on this machine: one thread reaches 30–50 % of the read figure', () => {
    expect(CPU_EFFICIENCY).toEqual({ low: 0.3, high: 0.5 });
  });
});

describe('a GPU without a vendor figure', () => {
  it('gets no speed estimate, and the reason says its bandwidth is unknown', () => {
    const bandwidth: MemoryBandwidth = { ...CURVE, gpuGBps: null, gpuSource: { kind: 'assumed', detail: unknownGpuDetail({ model: 'NVIDIA GeForce GTX 1080' }) } };
    const estimate = estimateDecodeSpeed({ model: MODEL, gpuLayers: 5, bandwidth });
    expect(estimate.tokensPerSecond).toBeNull();
    expect(estimate.reason).toBe(
      "Bandwidth unknown for NVIDIA GeForce GTX 1080: not in Homeport's vendor table, and a GPU cannot be measured without its runtime, so no speed estimate.",
    );
  });

  it('an Apple chip the table lacks is timed with the CPU figure, labelled an estimate', () => {
    const bandwidth: MemoryBandwidth = { ...CURVE, cpuCurve: undefined, gpuGBps: 30, gpuSource: { kind: 'assumed', detail: 'bandwidth unknown for Apple M9' } };
    const estimate = estimateDecodeSpeed({ model: MODEL, gpuLayers: 5, bandwidth, ...ETA });
    // 0.5–1 × 30 GB/s ÷ 56 MB = 268–536 tok/s
    expect(estimate.tokensPerSecond).toEqual({ low: 268, high: 536 });
    expect(estimate.reason).toContain('56.0 MB on the GPU at 30 GB/s (bandwidth unknown: estimated) × η 0.5–1');
  });
});
