import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GgufReadError, readModelMetadata } from '../../main/models/gguf-metadata.js';
import { totalWeightBytes } from '../../main/hardware/model-shape.js';
import { testModel } from '../support/models.js';

describe('readModelMetadata on the real test models', () => {
  it('reads stories260K: llama, 5 layers, 64 wide, 8/4 heads, 2048 context, no chat template', async () => {
    const path = testModel('stories260K.gguf');
    const meta = await readModelMetadata(path);
    expect(meta).toMatchObject({
      architecture: 'llama',
      layers: 5,
      embeddingLength: 64,
      headCount: 8,
      kvHeadCount: 4,
      headDim: 8,
      trainedContext: 2048,
      hasChatTemplate: false,
      experts: null,
      parts: 1,
      fileSizeBytes: 1185376,
      fileType: 'F32',
    });
    // 260K in the name; node-llama-cpp counts every tensor element.
    expect(meta.parameterCount).toBeGreaterThan(250_000);
    expect(meta.parameterCount).toBeLessThan(300_000);
    // All F32: 4 bytes per parameter.
    expect(meta.weightsBytes).toBe(meta.parameterCount * 4);
    expect(meta.shape.vocabSize).toBe(512);
    expect(meta.shape.feedForwardLength).toBe(172);
    expect(meta.shape.weights.layerBytes).toHaveLength(5);
    expect(totalWeightBytes(meta.shape.weights)).toBe(meta.weightsBytes);
  });

  it('reads bench-124m: 12 layers, 768 wide, 12/4 heads, 4096 context, Q4_0, chat template', async () => {
    const meta = await readModelMetadata(testModel('bench-124m-q4_0.gguf'));
    expect(meta).toMatchObject({
      architecture: 'llama',
      layers: 12,
      embeddingLength: 768,
      headCount: 12,
      kvHeadCount: 4,
      headDim: 64,
      trainedContext: 4096,
      fileType: 'Q4_0',
      hasChatTemplate: true,
      fileSizeBytes: 70922848,
    });
    expect(meta.parameterCount).toBeGreaterThan(120e6);
    expect(meta.parameterCount).toBeLessThan(130e6);
    const { weights } = meta.shape;
    expect(totalWeightBytes(weights)).toBe(meta.weightsBytes);
    // Every block has the same tensors, so the same size; the embedding is 32000 × 768 in Q4_0 (18 bytes / 32 values).
    expect(new Set(weights.layerBytes).size).toBe(1);
    expect(weights.inputBytes).toBe((32000 * 768 * 18) / 32);
    expect(weights.expertBytes).toBe(0);
  });
});

describe('readModelMetadata on damaged files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'homeport-gguf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects random bytes as not GGUF', async () => {
    const path = join(dir, 'random.gguf');
    await writeFile(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    await expect(readModelMetadata(path)).rejects.toThrow(GgufReadError);
    await expect(readModelMetadata(path)).rejects.toThrow(/not a GGUF file/i);
  });

  it('rejects the first 1000 bytes of a real model as truncated or damaged', async () => {
    const path = join(dir, 'cut-header.gguf');
    await writeFile(path, readFileSync(testModel('stories260K.gguf')).subarray(0, 1000));
    await expect(readModelMetadata(path)).rejects.toThrow(GgufReadError);
  });

  it('rejects a file whose header is whole but whose tensor data was cut short', async () => {
    const path = join(dir, 'cut-data.gguf');
    await writeFile(path, readFileSync(testModel('stories260K.gguf')).subarray(0, 600_000));
    await expect(readModelMetadata(path)).rejects.toThrow(/truncated/i);
  });

  it('reads an intact copy', async () => {
    const path = join(dir, 'copy.gguf');
    await copyFile(testModel('stories260K.gguf'), path);
    await expect(readModelMetadata(path)).resolves.toMatchObject({ layers: 5 });
  });
});
