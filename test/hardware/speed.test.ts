import { describe, expect, it } from 'vitest';
import { bytesReadPerToken, CPU_EFFICIENCY, estimateDecodeSpeed, GPU_EFFICIENCY } from '../../main/hardware/speed.js';
import { kvBytesPerToken } from '../../main/hardware/memory-estimate.js';
import { totalWeightBytes } from '../../main/hardware/model-shape.js';
import type { MemoryBandwidth } from '../../main/hardware/types.js';
import { estimateForMachine } from '../../main/hardware/estimate.js';
import { LLAMA_31_70B_Q4, LLAMA_31_8B_Q4, MIXTRAL_8X7B_Q4, machine, nvidiaGpu, shapeOf } from './model-shapes.js';

const rtx4090: MemoryBandwidth = {
  cpuGBps: 60,
  cpuSource: { kind: 'measured', detail: 'test' },
  gpuGBps: 1008,
  gpuSource: { kind: 'spec-table', detail: 'NVIDIA spec page: RTX 4090 1008 GB/s' },
};
const cpuOnly: MemoryBandwidth = { cpuGBps: 60, cpuSource: { kind: 'measured', detail: 'test' }, gpuGBps: null, gpuSource: null };

describe('estimateDecodeSpeed', () => {
  it('dense model on one GPU: η × bandwidth ÷ weights read per token', () => {
    const estimate = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 33, bandwidth: rtx4090 });
    const perToken = totalWeightBytes(LLAMA_31_8B_Q4.weights) - LLAMA_31_8B_Q4.weights.inputBytes;
    expect(estimate.bytesPerToken).toEqual({ gpu: perToken, cpu: 0 });
    expect(estimate.tokensPerSecond!.low).toBe(Math.round((GPU_EFFICIENCY.low * 1008e9) / perToken));
    expect(estimate.tokensPerSecond!.high).toBe(Math.round((GPU_EFFICIENCY.high * 1008e9) / perToken));
    // An 8B Q4 model on a 4090 decodes at roughly 130–190 tok/s.
    expect(estimate.tokensPerSecond!.low).toBeGreaterThan(100);
    expect(estimate.tokensPerSecond!.high).toBeLessThan(250);
    expect(estimate.reason).toMatch(/on the GPU at 1008 GB\/s \(spec-table\) × η 0\.6–0\.8/);
  });

  it('MoE reads only the used experts: Mixtral 8x7B reads 2 of 8 experts per token', () => {
    const { weights } = MIXTRAL_8X7B_Q4;
    const expected = totalWeightBytes(weights) - weights.inputBytes - weights.expertBytes * (6 / 8);
    const bytes = bytesReadPerToken(MIXTRAL_8X7B_Q4, 33, 0, 'f16');
    expect(bytes.gpu).toBeCloseTo(expected, 0);
    // ~12.9 B active parameters of ~46.7 B.
    expect(bytes.gpu / totalWeightBytes(weights)).toBeGreaterThan(0.25);
    expect(bytes.gpu / totalWeightBytes(weights)).toBeLessThan(0.3);
    const estimate = estimateDecodeSpeed({ model: MIXTRAL_8X7B_Q4, gpuLayers: 33, bandwidth: rtx4090 });
    expect(estimate.reason).toContain('MoE: 2 of 8 experts');
    const dense = shapeOf({ layers: 32, heads: 32, kvHeads: 8, embedding: 4096, feedForward: 14336 * 8, vocab: 32000, trainedContext: 32768, bytesPerParam: 0.5625 });
    const denseSpeed = estimateDecodeSpeed({ model: dense, gpuLayers: 33, bandwidth: rtx4090 }).tokensPerSecond!;
    expect(estimate.tokensPerSecond!.low / denseSpeed.low).toBeGreaterThan(3);
  });

  it('partial offload adds the GPU and CPU times per token', () => {
    const gpuLayers = 20;
    const estimate = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers, bandwidth: rtx4090 });
    const { gpu, cpu } = estimate.bytesPerToken;
    expect(gpu).toBeGreaterThan(0);
    expect(cpu).toBeGreaterThan(0);
    expect(gpu + cpu).toBeCloseTo(totalWeightBytes(LLAMA_31_8B_Q4.weights) - LLAMA_31_8B_Q4.weights.inputBytes, 0);
    const seconds = gpu / (GPU_EFFICIENCY.low * 1008e9) + cpu / (CPU_EFFICIENCY.low * 60e9);
    expect(estimate.tokensPerSecond!.low).toBeCloseTo(1 / seconds, 0);
    const full = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 33, bandwidth: rtx4090 }).tokensPerSecond!;
    const cpuSpeed = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 0, bandwidth: rtx4090 }).tokensPerSecond!;
    expect(estimate.tokensPerSecond!.low).toBeLessThan(full.low);
    expect(estimate.tokensPerSecond!.low).toBeGreaterThan(cpuSpeed.low);
    expect(estimate.reason).toContain(' plus ');
  });

  it('counts the KV cache read at long contexts', () => {
    const empty = bytesReadPerToken(LLAMA_31_8B_Q4, 0, 0, 'f16');
    const long = bytesReadPerToken(LLAMA_31_8B_Q4, 0, 32768, 'f16');
    expect(long.cpu - empty.cpu).toBe(kvBytesPerToken(LLAMA_31_8B_Q4) * 32768);
  });

  it('gives no figure when the GPU bandwidth is unknown, and says why', () => {
    const estimate = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 33, bandwidth: cpuOnly });
    expect(estimate.tokensPerSecond).toBeNull();
    expect(estimate.reason).toMatch(/No memory-bandwidth figure for this GPU/);
  });

  it('CPU-only uses the CPU efficiency range', () => {
    const estimate = estimateDecodeSpeed({ model: LLAMA_31_8B_Q4, gpuLayers: 0, bandwidth: cpuOnly });
    const perToken = estimate.bytesPerToken.cpu;
    expect(estimate.tokensPerSecond!.low).toBeCloseTo((CPU_EFFICIENCY.low * 60e9) / perToken, 1);
    expect(estimate.reason).toMatch(/from RAM at 60 GB\/s \(measured\) × η 0\.4–0\.7/);
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
