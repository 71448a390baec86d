import { describe, expect, it } from 'vitest';
import { bytesReadPerToken, estimateDecodeSpeed } from '../../main/hardware/speed.js';
import type { ModelShape } from '../../main/hardware/model-shape.js';
import type { MemoryBandwidth } from '../../main/hardware/types.js';
import { estimateForMachine } from '../../main/hardware/estimate.js';
import { LLAMA_31_70B_Q4, LLAMA_31_8B_Q4, machine, nvidiaGpu } from './model-shapes.js';

const rtx4090: MemoryBandwidth = {
  cpuGBps: 60,
  cpuSource: { kind: 'measured', detail: 'test' },
  gpuGBps: 1008,
  gpuSource: { kind: 'spec-table', detail: 'NVIDIA spec page: RTX 4090 1008 GB/s' },
};
const cpuOnly: MemoryBandwidth = { cpuGBps: 60, cpuSource: { kind: 'measured', detail: 'test' }, gpuGBps: null, gpuSource: null };

/**
 * A hand-built model with round byte counts, so every figure below can be
 * worked out on paper: 4 layers of 250 MB, an output projection of 100 MB,
 * a token-embedding table of 50 MB (one row read per token: not counted),
 * 2 KV heads of dimension 64 (512 bytes of f16 K+V per layer per token).
 */
const PAPER_MODEL: ModelShape = {
  layers: 4,
  headCount: 8,
  kvHeadCount: 2,
  headDimK: 64,
  headDimV: 64,
  embeddingLength: 512,
  feedForwardLength: 1024,
  vocabSize: 32000,
  trainedContext: 4096,
  weights: { inputBytes: 50e6, outputBytes: 100e6, layerBytes: [250e6, 250e6, 250e6, 250e6], expertBytes: 0 },
  experts: null,
};
const PAPER_BANDWIDTH: MemoryBandwidth = {
  cpuGBps: 50,
  cpuSource: { kind: 'measured', detail: 'paper' },
  gpuGBps: 1000,
  gpuSource: { kind: 'spec-table', detail: 'paper' },
};
/** η given explicitly, so the figures do not move when the calibrated defaults do. */
const ETA = { gpuEfficiency: { low: 0.5, high: 1 }, cpuEfficiency: { low: 0.5, high: 1 } };

describe('estimateDecodeSpeed, worked by hand', () => {
  it('all on the GPU: 4 × 250 MB + 100 MB = 1.1 GB per token; 0.5–1 × 1000 GB/s ÷ 1.1 GB = 455–909 tok/s', () => {
    const estimate = estimateDecodeSpeed({ model: PAPER_MODEL, gpuLayers: 5, bandwidth: PAPER_BANDWIDTH, ...ETA });
    expect(estimate.bytesPerToken).toEqual({ gpu: 1_100_000_000, cpu: 0 });
    expect(estimate.tokensPerSecond).toEqual({ low: 455, high: 909 });
    expect(estimate.reason).toBe('≈ 455–909 tok/s decode: 1100 MB on the GPU at 1000 GB/s (spec-table) × η 0.5–1 per token.');
  });

  it('CPU only: 1.1 GB per token at 0.5–1 × 50 GB/s = 22.7–45.5 tok/s (below 100 tok/s: one decimal)', () => {
    const estimate = estimateDecodeSpeed({ model: PAPER_MODEL, gpuLayers: 0, bandwidth: PAPER_BANDWIDTH, ...ETA });
    expect(estimate.bytesPerToken).toEqual({ gpu: 0, cpu: 1_100_000_000 });
    // 25e9 / 1.1e9 = 22.727…, 50e9 / 1.1e9 = 45.454…
    expect(estimate.tokensPerSecond).toEqual({ low: 22.7, high: 45.5 });
    expect(estimate.reason).toContain('1100 MB from RAM at 50 GB/s (measured) × η 0.5–1');
  });

  it('partial offload of 3 of 5 offloadable layers: layers 2–3 and the output on the GPU, 0–1 on the CPU; the times add', () => {
    const estimate = estimateDecodeSpeed({ model: PAPER_MODEL, gpuLayers: 3, bandwidth: PAPER_BANDWIDTH, ...ETA });
    expect(estimate.bytesPerToken).toEqual({ gpu: 600_000_000, cpu: 500_000_000 });
    // slow: 0.6e9 / 0.5e12 + 0.5e9 / 25e9 = 0.0012 + 0.02 = 0.0212 s → 47.17 tok/s
    // fast: 0.6e9 / 1e12  + 0.5e9 / 50e9 = 0.0006 + 0.01 = 0.0106 s → 94.34 tok/s
    expect(estimate.tokensPerSecond).toEqual({ low: 47.2, high: 94.3 });
    expect(estimate.reason).toContain('600 MB on the GPU');
    expect(estimate.reason).toContain(' plus 500 MB from RAM');
  });

  it('counts the KV cache read: 1000 tokens × 4 layers × 512 bytes = 2,048,000 bytes, split where the layers are', () => {
    expect(bytesReadPerToken(PAPER_MODEL, 0, 1000, 'f16')).toEqual({ gpu: 0, cpu: 1_100_000_000 + 2_048_000 });
    expect(bytesReadPerToken(PAPER_MODEL, 3, 1000, 'f16')).toEqual({ gpu: 600_000_000 + 1_024_000, cpu: 500_000_000 + 1_024_000 });
    // q8_0 stores 34 bytes per 32 elements: 2,048,000 × 17/32 = 1,088,000 bytes.
    expect(bytesReadPerToken(PAPER_MODEL, 0, 1000, 'q8_0').cpu).toBe(1_100_000_000 + 1_088_000);
  });

  it('MoE reads only the used experts: 1 of 4 experts of 100 MB a layer → 175 MB a layer, 800 MB per token', () => {
    const moe: ModelShape = { ...PAPER_MODEL, weights: { ...PAPER_MODEL.weights, expertBytes: 400e6 }, experts: { count: 4, used: 1 } };
    const estimate = estimateDecodeSpeed({ model: moe, gpuLayers: 0, bandwidth: PAPER_BANDWIDTH, cpuEfficiency: { low: 0.5, high: 0.8 } });
    // (250 − 100 × 3/4) × 4 + 100 = 800 MB; 25e9 / 0.8e9 = 31.25 → 31.3, 40e9 / 0.8e9 = 50.
    expect(estimate.bytesPerToken).toEqual({ gpu: 0, cpu: 800_000_000 });
    expect(estimate.tokensPerSecond).toEqual({ low: 31.3, high: 50 });
    expect(estimate.reason).toContain('MoE: 1 of 4 experts');
  });

  it('gives no figure when the GPU bandwidth is unknown, and says why', () => {
    const estimate = estimateDecodeSpeed({ model: PAPER_MODEL, gpuLayers: 5, bandwidth: { ...PAPER_BANDWIDTH, gpuGBps: null, gpuSource: null } });
    expect(estimate.tokensPerSecond).toBeNull();
    expect(estimate.reason).toMatch(/No memory-bandwidth figure for this GPU/);
  });
});

describe('estimateDecodeSpeed with the calibrated defaults', () => {
  it('an 8B Q4 model fully on an RTX 4090 (1008 GB/s) lands in the 100–250 tok/s users of llama.cpp report', () => {
    const estimate = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 33, bandwidth: rtx4090 });
    expect(estimate.tokensPerSecond!.low).toBeGreaterThan(100);
    expect(estimate.tokensPerSecond!.high).toBeLessThan(250);
    expect(estimate.tokensPerSecond!.low).toBeLessThan(estimate.tokensPerSecond!.high);
  });
});

describe('estimateForMachine', () => {
  it('times the placement the fit chose, and gives no speed when nothing fits', () => {
    const partial = estimateForMachine({ model: LLAMA_31_8B_Q4, contextSize: 8192, hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce GTX 1650', 4)] }), bandwidth: rtx4090 });
    expect(partial.fit.verdict).toBe('partial-gpu');
    expect(partial.speed!.bytesPerToken.gpu).toBeGreaterThan(0);
    expect(partial.speed!.bytesPerToken.cpu).toBeGreaterThan(0);
    const none = estimateForMachine({ model: LLAMA_31_70B_Q4, contextSize: 8192, hardware: machine({ ramGiB: 16 }), bandwidth: cpuOnly });
    expect(none.fit.verdict).toBe('does-not-fit');
    expect(none.speed).toBeNull();
  });
});
