import { describe, expect, it } from 'vitest';
import { appleGpuWorkingSet, fitModel, memoryBudget, type FitRequest } from '../../main/hardware/fit.js';
import { computeBufferBytes, kvBytesPerToken, placementBytes } from '../../main/hardware/memory-estimate.js';
import { totalWeightBytes } from '../../main/hardware/model-shape.js';
import { GIB, LLAMA_2_7B_Q4, LLAMA_31_70B_Q4, LLAMA_31_8B_Q4, MIXTRAL_8X7B_Q4, machine, nvidiaGpu, shapeOf } from './model-shapes.js';

const KIB = 1024;

describe('KV cache formula', () => {
  it('gives 128 KiB per token for Llama-3.1-8B at f16 (32 layers × 8 KV heads × 128 × K and V × 2 bytes)', () => {
    expect(kvBytesPerToken(LLAMA_31_8B_Q4, 'f16')).toBe(128 * KIB);
    expect(32 * 8 * 128 * 2 * 2).toBe(128 * KIB);
  });

  it('scales with the cache type: q8_0 is 34/32 bytes per value, q4_0 18/32', () => {
    expect(kvBytesPerToken(LLAMA_31_8B_Q4, 'q8_0')).toBe(65536 * (34 / 32));
    expect(kvBytesPerToken(LLAMA_31_8B_Q4, 'q4_0')).toBe(65536 * (18 / 32));
  });

  it('is context × slots × per-token bytes (context padded to 256)', () => {
    const at = (contextSize: number, slots: number) =>
      placementBytes({ shape: LLAMA_31_8B_Q4, contextSize, slots, kvCacheType: 'f16', gpuLayers: 0 }).cpu.kvCache;
    expect(at(8192, 1)).toBe(8192 * 128 * KIB); // 1 GiB
    expect(at(8192, 4)).toBe(4 * GIB);
    expect(at(8000, 1)).toBe(at(8192, 1));
  });

  it('Llama-2-7B without GQA needs 4× the KV cache of Llama-3.1-8B', () => {
    expect(kvBytesPerToken(LLAMA_2_7B_Q4)).toBe(4 * kvBytesPerToken(LLAMA_31_8B_Q4));
  });
});

describe('compute buffer', () => {
  it('Llama-3.1-8B at 4096, flash attention on: the reserved buffer is the batch logits; a generation writes the blocks only', () => {
    const bytes = computeBufferBytes({ shape: LLAMA_31_8B_Q4, contextSize: 4096, slots: 1 });
    // mask: (4 + 2) bytes × 512 batch tokens × 4096 cells = 12,582,912
    expect(bytes.attentionMask).toBe(12_582_912);
    // FFN: 4 × 512 × (3 × 14336 + 2 × 4096) = 104,857,600; block peak = 117,440,512
    expect(bytes.blockPeak).toBe(117_440_512);
    // logits: 4 × 512 × (128256 + 4096) = 271,056,896; output buffer 4 × 128256 = 513,024
    expect(bytes.total).toBe(271_056_896 + 513_024);
    // working set: block peak + one row of logits + the output buffer
    expect(bytes.workingSet).toBe(117_440_512 + 513_024 + 513_024);
  });

  it("matches llama.cpp's own log for stories260K at 2048 without flash attention (36.76 MiB): scores 32 MiB + mask 4 MiB", () => {
    const stories = shapeOf({ layers: 5, heads: 8, kvHeads: 4, embedding: 64, feedForward: 172, vocab: 512, trainedContext: 2048, bytesPerParam: 4 });
    const bytes = computeBufferBytes({ shape: stories, contextSize: 2048, slots: 1, flashAttention: false });
    // scores: 4 × 8 heads × 512 × 2048 = 33,554,432; F32 mask: 4 × 512 × 2048 = 4,194,304
    expect(bytes.attentionScores).toBe(33_554_432);
    expect(bytes.total).toBe(33_554_432 + 4_194_304 + 4 * 512);
    // With 8 slots of 16384 each sequence has its own cells: 8 × … 16384, logged as 288.76 MiB.
    const wide = computeBufferBytes({ shape: stories, contextSize: 16384, slots: 8, flashAttention: false });
    expect(wide.blockPeak).toBe(4 * 8 * 512 * 16384 + 4 * 512 * 16384); // 288 MiB
  });
});

describe('fitModel', () => {
  const base = (over: Partial<FitRequest>): FitRequest => ({ model: LLAMA_31_8B_Q4, contextSize: 8192, hardware: machine({ ramGiB: 32 }), ...over });

  it('puts an 8B Q4 model entirely on a 24 GiB RTX 4090', () => {
    const decision = fitModel(base({ hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4090', 24)] }) }));
    expect(decision.verdict).toBe('full-gpu');
    expect(decision.gpuLayers).toBe(33);
    expect(decision.totalLayers).toBe(33);
    expect(decision.memory.kvCacheBytes).toBe(GIB);
    expect(decision.memory.weightsBytes).toBe(totalWeightBytes(LLAMA_31_8B_Q4.weights));
    expect(decision.memory.vramBytes).toBeLessThanOrEqual(decision.budget.vramBytes!);
    expect(decision.reason).toMatch(/Fits entirely on the NVIDIA GeForce RTX 4090/);
    expect(decision.reason).toMatch(/KV cache 1024\.0 MiB/);
  });

  it('splits layers when the GPU is too small, with the most layers that fit', () => {
    const hardware = machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce GTX 1650', 4)] });
    const decision = fitModel(base({ hardware }));
    expect(decision.verdict).toBe('partial-gpu');
    expect(decision.gpuLayers).toBeGreaterThan(1);
    expect(decision.gpuLayers).toBeLessThan(33);
    const vramBudget = memoryBudget(hardware).vramBytes!;
    const vramAt = (gpuLayers: number) => {
      const side = placementBytes({ shape: LLAMA_31_8B_Q4, contextSize: 8192, slots: 1, kvCacheType: 'f16', gpuLayers }).gpu;
      return side.weights + side.kvCache + side.compute;
    };
    expect(vramAt(decision.gpuLayers)).toBeLessThanOrEqual(vramBudget);
    expect(vramAt(decision.gpuLayers + 1)).toBeGreaterThan(vramBudget);
    expect(decision.memory.vramBytes).toBe(vramAt(decision.gpuLayers));
    expect(decision.reason).toContain(`${decision.gpuLayers} of 33 layers fit on the NVIDIA GeForce GTX 1650`);
  });

  it('runs on the CPU without a GPU, and says so', () => {
    const decision = fitModel(base({}));
    expect(decision.verdict).toBe('cpu-only');
    expect(decision.gpuLayers).toBe(0);
    expect(decision.memory.vramBytes).toBe(0);
    expect(decision.reason).toMatch(/^No usable GPU; runs on the CPU/);
    expect(decision.maxContext.fullGpu.contextSize).toBeNull();
  });

  it('says a 70B model does not fit a 32 GiB machine without a GPU, at any context', () => {
    const decision = fitModel(base({ model: LLAMA_31_70B_Q4, hardware: machine({ ramGiB: 32 }) }));
    expect(decision.verdict).toBe('does-not-fit');
    expect(decision.maxContext.cpuOnly.contextSize).toBeNull();
    expect(decision.maxContext.partialGpu.contextSize).toBeNull();
    expect(decision.reason).toMatch(/^Does not fit: .*weights alone are too big/);
  });

  it('with a 12 GiB GPU beside 32 GiB RAM, the same 70B model fits only at a smaller context', () => {
    const hardware = machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 3060', 12)] });
    const decision = fitModel(base({ model: LLAMA_31_70B_Q4, contextSize: 32768, hardware }));
    expect(decision.verdict).toBe('does-not-fit');
    const largest = decision.maxContext.partialGpu.contextSize!;
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(32768);
    expect(decision.reason).toContain(`${largest} split across GPU and CPU`);
    expect(fitModel(base({ model: LLAMA_31_70B_Q4, contextSize: largest, hardware })).verdict).toBe('partial-gpu');
    expect(fitModel(base({ model: LLAMA_31_70B_Q4, contextSize: largest + 256, hardware })).verdict).toBe('does-not-fit');
  });

  it('a 70B Q4 model fits partly on a 24 GiB GPU with 64 GiB RAM', () => {
    const decision = fitModel(base({ model: LLAMA_31_70B_Q4, hardware: machine({ ramGiB: 64, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4090', 24)] }) }));
    expect(decision.verdict).toBe('partial-gpu');
    expect(decision.totalLayers).toBe(81);
    expect(decision.gpuLayers).toBeGreaterThan(30);
    expect(decision.gpuLayers).toBeLessThan(60);
  });

  it('names the largest context that would fit when the requested one does not', () => {
    const hardware = machine({ ramGiB: 8 });
    const decision = fitModel(base({ hardware, contextSize: 131072 }));
    expect(decision.verdict).toBe('does-not-fit');
    const largest = decision.maxContext.cpuOnly.contextSize!;
    expect(largest).toBeGreaterThan(0);
    expect(decision.reason).toContain(`largest: ${largest} on the CPU`);
    expect(fitModel(base({ hardware, contextSize: largest })).verdict).toBe('cpu-only');
  });

  describe('largest fitting context', () => {
    const hardware = machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 3060', 12)] });

    it('is exact at the boundary: fits at N, not at N + 256', () => {
      const { maxContext } = fitModel(base({ hardware }));
      const full = maxContext.fullGpu.contextSize!;
      expect(full % 256).toBe(0);
      expect(full).toBeLessThan(131072);
      expect(fitModel(base({ hardware, contextSize: full })).verdict).toBe('full-gpu');
      expect(fitModel(base({ hardware, contextSize: full + 256 })).verdict).not.toBe('full-gpu');
      const cpu = maxContext.cpuOnly.contextSize!;
      const cpuOnlyMachine = machine({ ramGiB: 32 });
      expect(fitModel(base({ hardware: cpuOnlyMachine, contextSize: cpu })).verdict).toBe('cpu-only');
      if (cpu < 131072) expect(fitModel(base({ hardware: cpuOnlyMachine, contextSize: cpu + 256 })).verdict).toBe('does-not-fit');
    });

    it('grows with GPU memory, shrinks with slots, grows with a smaller KV cache type', () => {
      const fullAt = (vramGiB: number, slots = 1, kvCacheType: 'f16' | 'q8_0' | 'q4_0' = 'f16') =>
        fitModel(base({ slots, kvCacheType, hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('GPU', vramGiB)] }) })).maxContext.fullGpu.contextSize ?? 0;
      const byVram = [6, 8, 10, 12, 16, 24].map((vram) => fullAt(vram));
      for (let i = 1; i < byVram.length; i += 1) expect(byVram[i]).toBeGreaterThanOrEqual(byVram[i - 1]!);
      expect(byVram[0]).toBeLessThan(byVram[byVram.length - 1]!);
      const bySlots = [1, 2, 4, 8].map((slots) => fullAt(12, slots));
      for (let i = 1; i < bySlots.length; i += 1) expect(bySlots[i]).toBeLessThanOrEqual(bySlots[i - 1]!);
      expect(fullAt(12, 1, 'q8_0')).toBeGreaterThan(fullAt(12, 1, 'f16'));
      expect(fullAt(12, 1, 'q4_0')).toBeGreaterThan(fullAt(12, 1, 'q8_0'));
    });

    it('is capped at the trained context', () => {
      const { maxContext } = fitModel(base({ model: LLAMA_2_7B_Q4, contextSize: 2048, hardware: machine({ ramGiB: 64, gpus: [nvidiaGpu('RTX 4090', 24)] }) }));
      expect(maxContext.fullGpu.contextSize).toBe(4096);
      expect(maxContext.cpuOnly.contextSize).toBe(4096);
    });
  });

  describe('unified memory (Apple Silicon)', () => {
    it('counts the shared pool once, limited to the GPU working set', () => {
      const mac = machine({ ramGiB: 16, apple: 'M2' });
      const budget = memoryBudget(mac);
      expect(budget.unified).toBe(true);
      expect(budget.vramBytes).toBeCloseTo(appleGpuWorkingSet(16 * GIB), 0);
      expect(budget.vramBytes).toBeCloseTo((16 * GIB * 2) / 3, 0);
      const decision = fitModel(base({ hardware: mac }));
      expect(decision.verdict).toBe('full-gpu');
      expect(decision.memory.ramBytes + decision.memory.vramBytes).toBe(decision.memory.totalBytes);
      expect(decision.memory.totalBytes).toBeLessThanOrEqual(budget.ramBytes);
    });

    it('does not add RAM and GPU memory together the way a PC with a separate GPU does', () => {
      // ~15 GiB of weights: a PC with 16 GiB RAM + 8 GiB VRAM can split it; a 16 GiB Mac has only its 16 GiB.
      const big = shapeOf({ layers: 48, heads: 40, kvHeads: 8, embedding: 5120, feedForward: 17408, vocab: 152064, trainedContext: 32768, bytesPerParam: 1.0625 });
      expect(totalWeightBytes(big.weights)).toBeGreaterThan(14 * GIB);
      const pc = fitModel({ model: big, contextSize: 4096, hardware: machine({ ramGiB: 16, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4060', 8)] }) });
      expect(pc.verdict).toBe('partial-gpu');
      const mac = fitModel({ model: big, contextSize: 4096, hardware: machine({ ramGiB: 16, apple: 'M2' }) });
      expect(mac.verdict).toBe('does-not-fit');
    });

    it('uses 3/4 of memory above 32 GiB: a 70B Q4 model fits a 64 GiB Mac on the GPU', () => {
      expect(appleGpuWorkingSet(64 * GIB)).toBe(48 * GIB);
      const decision = fitModel(base({ model: LLAMA_31_70B_Q4, hardware: machine({ ramGiB: 64, apple: 'M2 Max' }) }));
      expect(decision.verdict).toBe('full-gpu');
    });
  });

  it('tied embeddings: stored once on the CPU, copied to the GPU with the output layer', () => {
    const spec = { layers: 16, heads: 32, kvHeads: 8, embedding: 2048, feedForward: 8192, vocab: 128256, trainedContext: 131072, bytesPerParam: 1.0625 };
    const tied = shapeOf({ ...spec, tiedEmbeddings: true });
    const embedding = tied.weights.inputBytes;
    const cpu = placementBytes({ shape: tied, contextSize: 4096, slots: 1, kvCacheType: 'f16', gpuLayers: 0 });
    expect(cpu.cpu.weights).toBe(totalWeightBytes(tied.weights));
    expect(cpu.cpu.weights).toBe(embedding + tied.weights.layerBytes.reduce((a, b) => a + b, 0) + 2048 * 4);
    const gpu = placementBytes({ shape: tied, contextSize: 4096, slots: 1, kvCacheType: 'f16', gpuLayers: 17 });
    expect(gpu.cpu.weights).toBe(embedding);
    expect(gpu.gpu.weights).toBe(totalWeightBytes(tied.weights));
  });

  describe('mixture of experts', () => {
    it('needs memory for every expert, although a token reads only two of eight', () => {
      const weights = totalWeightBytes(MIXTRAL_8X7B_Q4.weights);
      // ~46.7 B parameters at 0.5625 bytes.
      expect(weights / 1e9).toBeGreaterThan(25);
      expect(weights / 1e9).toBeLessThan(28);
      const decision = fitModel({ model: MIXTRAL_8X7B_Q4, contextSize: 8192, hardware: machine({ ramGiB: 64, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4090', 24)] }) });
      expect(decision.verdict).toBe('partial-gpu');
      expect(decision.memory.weightsBytes).toBeGreaterThanOrEqual(weights);
      // KV cache as any 32-layer, 8-KV-head model: 128 KiB per token.
      expect(decision.memory.kvCacheBytes).toBe(8192 * 128 * KIB);
    });
  });
});
