/**
 * The memory breakdown the UI shows, worked by hand on a paper model: four
 * parts that add up to the total, the CPU's repacked copy of quantised
 * weights (by CPU), and what the fit counts against the RAM budget.
 */
import { describe, expect, it } from 'vitest';
import { fitModel } from '../../main/hardware/fit.js';
import { repackedTypes } from '../../main/hardware/cpu-repack.js';
import type { ModelShape } from '../../main/hardware/model-shape.js';
import { machine } from './model-shapes.js';

const GIB = 2 ** 30;

/**
 * 2 blocks of 3 MB (2 MB of Q4_0 matrices, 1 MB of Q6_K), a 2 MB Q6_K output
 * projection, a 1 MB token embedding; 4 heads / 2 KV heads of 64; FFN 512;
 * vocabulary 1000.
 */
const PAPER: ModelShape = {
  layers: 2,
  headCount: 4,
  kvHeadCount: 2,
  headDimK: 64,
  headDimV: 64,
  embeddingLength: 256,
  feedForwardLength: 512,
  vocabSize: 1000,
  trainedContext: 4096,
  weights: {
    inputBytes: 1e6,
    outputBytes: 2e6,
    layerBytes: [3e6, 3e6],
    expertBytes: 0,
    matrixBytesByType: { layers: [{ Q4_0: 2e6, Q6_K: 1e6 }, { Q4_0: 2e6, Q6_K: 1e6 }], output: { Q6_K: 2e6 } },
  },
  experts: null,
};

describe('repacked weights by CPU', () => {
  it('x86 with AVX2 repacks Q4_0/Q4_K/IQ4_NL/MXFP4 (AVX-512 adds Q2_K); ARM with NEON also Q5_K/Q6_K; others none', () => {
    expect(repackedTypes({ avx2: true, avx512: false, neon: false })).toEqual(['Q4_0', 'Q4_K', 'IQ4_NL', 'MXFP4']);
    expect(repackedTypes({ avx2: true, avx512: true, neon: false })).toContain('Q2_K');
    expect(repackedTypes({ avx2: false, avx512: false, neon: true })).toEqual(['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'MXFP4']);
    expect(repackedTypes({ avx2: false, avx512: false, neon: false })).toEqual([]);
  });
});

describe('the memory breakdown, worked by hand (CPU only, 1024 context, 1 slot)', () => {
  const fit = fitModel({ model: PAPER, contextSize: 1024, slots: 1, hardware: machine({ ramGiB: 32 }) });
  const m = fit.memory;

  it('has four parts that add up to the total', () => {
    // weights: 1 + 3 + 3 + 2 MB = 9 MB in the file, + 4 MB of Q4_0 repacked for AVX2
    expect(m.weightsBytes).toBe(13_000_000);
    expect(m.repackedWeightsBytes).toBe(4_000_000);
    // KV: 2 layers × 2 heads × (64 + 64) × 2 bytes = 1024 B per token × 1024
    expect(m.kvCacheBytes).toBe(1_048_576);
    // compute (flash attention, heads of 64): mask 6 × 512 × 1024 = 3,145,728; FFN 4 × 512 × (3 × 512 + 2 × 256)
    // = 4,194,304; one row of logits 4 × 1000 and the output buffer 4 × 1000
    expect(m.computeBytes).toBe(3_145_728 + 4_194_304 + 4_000 + 4_000);
    // runtime: 106 MiB for the process + 640 B × 1000 vocabulary entries
    expect(m.runtimeBytes).toBe(106 * 1024 * 1024);
    expect(m.vocabularyBytes).toBe(640_000);
    expect(m.overheadBytes).toBe(111_149_056 + 640_000);
    expect(m.totalBytes).toBe(13_000_000 + 1_048_576 + 7_348_032 + 111_789_056);
    expect(m.weightsBytes + m.kvCacheBytes + m.computeBytes + m.overheadBytes).toBe(m.totalBytes);
    expect(m.ramBytes + m.vramBytes).toBe(m.totalBytes);
  });

  it('lists every part, and the total, in the reason', () => {
    expect(fit.reason).toContain(
      "total 127.0 MiB = weights 12.4 MiB (3.8 MiB of it the CPU's repacked copy) + KV cache 1.0 MiB + compute 7.0 MiB + runtime 106.6 MiB (process 106.0 MiB + vocabulary 0.6 MiB)",
    );
  });

  it('counts Q6_K as repacked on ARM, and nothing without AVX2 or NEON', () => {
    const arm = machine({ ramGiB: 32 });
    const onArm = fitModel({ model: PAPER, contextSize: 1024, hardware: { ...arm, cpu: { ...arm.cpu, flags: { avx2: false, avx512: false, neon: true } } } });
    expect(onArm.memory.repackedWeightsBytes).toBe(8_000_000); // 2 × (2 + 1) MB of blocks + 2 MB output
    const plain = fitModel({ model: PAPER, contextSize: 1024, hardware: { ...arm, cpu: { ...arm.cpu, flags: { avx2: false, avx512: false, neon: false } } } });
    expect(plain.memory.repackedWeightsBytes).toBe(0);
    expect(plain.memory.weightsBytes).toBe(9_000_000);
  });

  it('does not count the reclaimable file pages of repacked tensors against the RAM budget', () => {
    const total = m.totalBytes;
    const ram = machine({ ramGiB: 1 });
    // A budget 2 MB below the total: the 4 MB of reclaimable page cache make it fit…
    const tight = fitModel({ model: PAPER, contextSize: 1024, hardware: ram, policy: { ramReserveFraction: 0, ramReserveMinBytes: GIB - (total - 2_000_000) } });
    expect(tight.verdict).toBe('cpu-only');
    // …a budget 5 MB below it does not.
    const tighter = fitModel({ model: PAPER, contextSize: 1024, hardware: ram, policy: { ramReserveFraction: 0, ramReserveMinBytes: GIB - (total - 5_000_000) } });
    expect(tighter.verdict).toBe('does-not-fit');
  });

  it('sizes the compute buffer without flash attention for heads under 64 wide, as the embedded worker runs them', () => {
    const narrow: ModelShape = { ...PAPER, headDimK: 32, headDimV: 32 };
    const off = fitModel({ model: narrow, contextSize: 1024, hardware: machine({ ramGiB: 32 }) });
    expect(off.memory.flashAttention).toBe(false);
    // F32 mask 4 × 512 × 1024 + scores 4 × 4 heads × 512 × 1024 (larger than the FFN), + logits row + output buffer
    expect(off.memory.computeBytes).toBe(2_097_152 + 8_388_608 + 8_000);
    expect(off.reason).toContain('(no flash attention)');
    const on = fitModel({ model: narrow, contextSize: 1024, hardware: machine({ ramGiB: 32 }), policy: { flashAttentionMinHeadDim: 0 } });
    expect(on.memory.flashAttention).toBe(true);
  });
});

describe('memory for the context in use (a process measured after a conversation shorter than its context)', () => {
  const hardware = machine({ ramGiB: 32 });
  const full = fitModel({ model: PAPER, contextSize: 4096, slots: 2, hardware });

  it('writes the mask only over the cells the sequence uses, padded to 256, and changes nothing else', () => {
    const short = fitModel({ model: PAPER, contextSize: 4096, slots: 2, hardware, contextInUse: 531 });
    // mask 6 × 512 × 768 cells instead of 6 × 512 × 4096; FFN 4,194,304; logits rows 2 × 4000 + output buffer 2 × 4000
    expect(short.memory.computeBytes).toBe(6 * 512 * 768 + 4_194_304 + 16_000);
    expect(full.memory.computeBytes).toBe(6 * 512 * 4096 + 4_194_304 + 16_000);
    expect(short.memory.totalBytes).toBe(full.memory.totalBytes - 6 * 512 * (4096 - 768));
    expect(short.memory.weightsBytes + short.memory.kvCacheBytes + short.memory.computeBytes + short.memory.overheadBytes).toBe(short.memory.totalBytes);
    expect(short.memory.kvCacheBytes).toBe(full.memory.kvCacheBytes);
  });

  it('keeps the verdict and the context limits at the full context, and never goes past it', () => {
    const short = fitModel({ model: PAPER, contextSize: 4096, slots: 2, hardware, contextInUse: 100 });
    expect(short.verdict).toBe(full.verdict);
    expect(short.maxContext).toEqual(full.maxContext);
    expect(fitModel({ model: PAPER, contextSize: 4096, slots: 2, hardware, contextInUse: 99_999 }).memory).toEqual(full.memory);
  });

  it('shrinks the attention scores too when flash attention is off', () => {
    const narrow: ModelShape = { ...PAPER, headDimK: 32, headDimV: 32 };
    const short = fitModel({ model: narrow, contextSize: 4096, hardware, contextInUse: 256 });
    // F32 mask 4 × 512 × 256 + scores 4 × 4 heads × 512 × 256 (FFN 4,194,304 is larger) → the FFN wins
    expect(short.memory.computeBytes).toBe(524_288 + 4_194_304 + 8_000);
    const long = fitModel({ model: narrow, contextSize: 4096, hardware });
    expect(long.memory.computeBytes).toBe(4 * 512 * 4096 + 4 * 4 * 512 * 4096 + 8_000);
  });
});
