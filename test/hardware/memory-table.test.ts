/**
 * The memory prediction against the real runtime, over a table of settings.
 *
 * For each (model, slots, context) the compiled embedded worker is started
 * with one thread, sent one text completion whose prompt fills a whole batch,
 * and its process RSS is read; the prediction is fit.ts's for this machine
 * (CPU only). Settings run one after another (the machine has 2 cores).
 *
 * Two predictions per row. What users are told is the memory at the full
 * context they asked for; a process that has seen a 531-token prompt has
 * written only the part of the attention mask (and scores) that spans the
 * cells it uses (llama.cpp's `n_kv`), 2 of 48 MiB at 16384. The grid compares
 * RSS with the prediction for the context in use (`contextInUse`: the prompt
 * and the completion), which tests every part of the model including the
 * mask's growth; the full-context prediction itself is held against a process
 * whose prompt fills its context (the 1 × 4096 row: a long prompt at 16k
 * costs minutes here).
 *
 * Scope of the ±10 % target: bench-124m-q4_0 (its weights, 121 MiB resident
 * with the repacked copy, outweigh the runtime's own ~106 MiB) at every
 * setting. stories260K's weights are 1.1 MiB: its total is the runtime's own
 * memory at small contexts, and at large ones the attention-score buffer
 * (flash attention is off for its 8-dim heads) that only a full context
 * writes. Its rows check what they can: the runtime's own memory (smallest
 * setting), and that a large context's prediction is above what a short
 * prompt uses (design.md has the table and what it does not show).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitModel, type FitDecision } from '../../main/hardware/fit.js';
import { createHardwareProbe } from '../../main/hardware/probe.js';
import type { HardwareSnapshot } from '../../main/hardware/types.js';
import { readModelMetadata } from '../../main/models/gguf-metadata.js';
import { testModel } from '../support/models.js';
import { measureEmbeddedRuntime, type RuntimeMemorySample } from './runtime-memory.js';

const MIB = 1024 * 1024;
/** Starting the worker takes 10–20 s on this shared 2-core machine; the largest setting needs more. */
const PER_SETTING_MS = 180_000;
type ModelFile = 'bench-124m-q4_0.gguf' | 'stories260K.gguf';

interface Row {
  readonly file: ModelFile;
  readonly slots: number;
  readonly contextSize: number;
  /** For the context in use when RSS was read (the one compared). */
  readonly predicted: number;
  /** For the full context: what users are told. */
  readonly predictedFull: number;
  readonly parts: string;
  readonly sample: RuntimeMemorySample;
  readonly errorPct: number;
}

let hardware: HardwareSnapshot;
const rows: Row[] = [];

beforeAll(async () => {
  hardware = await createHardwareProbe().snapshot();
});

afterAll(() => {
  const lines = rows.map((row) => {
    const mib = (bytes: number) => (bytes / MIB).toFixed(1).padStart(7);
    return (
      `${row.file.padEnd(21)} ${String(row.slots).padStart(5)} ${String(row.contextSize).padStart(6)} ${mib(row.predicted)} ${mib(row.sample.rss)}` +
      ` ${`${row.errorPct > 0 ? '+' : ''}${row.errorPct.toFixed(1)} %`.padStart(8)} ${mib(row.predictedFull)}` +
      `   prompt ${row.sample.promptTokens} tok; anon ${mib(row.sample.rssAnon).trim()}, file ${mib(row.sample.rssFile).trim()}; ${row.parts}`
    );
  });
  console.log(['model                 slots    ctx  in use  RSS MiB    error full ctx', ...lines].join('\n'));
});

/** The UI's breakdown adds up: four parts to the total, sub-parts to their part, RAM + VRAM to the total. */
function expectBreakdownAddsUp(m: FitDecision['memory']): void {
  expect(m.weightsBytes + m.kvCacheBytes + m.computeBytes + m.overheadBytes).toBe(m.totalBytes);
  expect(m.runtimeBytes + m.vocabularyBytes).toBe(m.overheadBytes);
  expect(m.ramBytes + m.vramBytes).toBe(m.totalBytes);
}

/**
 * Predict with fit.ts for this machine, run the worker, and keep the row for the printed table.
 * `compare`: the prediction for the context in use when RSS is read, or for the full context.
 */
async function measure(file: ModelFile, slots: number, contextSize: number, promptRepeats: number, compare: 'in-use' | 'full' = 'in-use'): Promise<Row> {
  const path = testModel(file);
  const { shape } = await readModelMetadata(path);
  const full = fitModel({ model: shape, contextSize, slots, hardware });
  expect(full.verdict).toBe('cpu-only');
  expectBreakdownAddsUp(full.memory);

  const sample = await measureEmbeddedRuntime({ modelPath: path, contextSize, slots, promptRepeats });
  expect(sample.completionTokens).toBeGreaterThan(0);
  const inUse = fitModel({ model: shape, contextSize, slots, hardware, contextInUse: sample.promptTokens + sample.completionTokens });
  expect(inUse.verdict).toBe('cpu-only');
  expectBreakdownAddsUp(inUse.memory);
  // Only the compute working set depends on the context in use, and never exceeds the full context's.
  expect(inUse.memory.computeBytes).toBeLessThanOrEqual(full.memory.computeBytes);
  expect(inUse.memory.totalBytes - inUse.memory.computeBytes).toBe(full.memory.totalBytes - full.memory.computeBytes);

  const compared = compare === 'full' ? full : inUse;
  const errorPct = ((compared.memory.ramBytes - sample.rss) / sample.rss) * 100;
  const parts = compared.reason.slice(compared.reason.indexOf('total'));
  const row: Row = { file, slots, contextSize, predicted: compared.memory.ramBytes, predictedFull: full.memory.ramBytes, parts, sample, errorPct };
  rows.push(row);
  return row;
}

describe('predicted memory vs the embedded runtime process (RSS, 1 thread)', () => {
  const grid: ReadonlyArray<readonly [number, number]> = [
    [1, 2048],
    [4, 2048],
    [8, 2048],
    [1, 8192],
    [4, 8192],
    [8, 8192],
    [1, 16384],
    [4, 16384],
    [8, 16384],
  ];
  for (const [slots, contextSize] of grid) {
    it(`bench-124m-q4_0: ${slots} slot(s) × ${contextSize} context, at the context in use, within ±10 %`, async () => {
      // 23 sentences ≈ 530 tokens: one full batch of 512, as a long prompt fills it.
      const row = await measure('bench-124m-q4_0.gguf', slots, contextSize, 23);
      expect(row.sample.promptTokens).toBeGreaterThanOrEqual(512);
      expect(Math.abs(row.errorPct)).toBeLessThanOrEqual(10);
      // What users are told covers the whole context: at 16384 it is above this short conversation by the mask.
      expect(row.predictedFull).toBeGreaterThanOrEqual(row.predicted);
    }, PER_SETTING_MS);
  }

  it('bench-124m-q4_0: 1 slot × 4096 context filled by the prompt, at the full-context prediction users see, within ±10 %', async () => {
    // 170 sentences ≈ 3900 tokens: the last batch spans the whole context (n_kv = 4096), so the mask is written whole.
    const row = await measure('bench-124m-q4_0.gguf', 1, 4096, 170, 'full');
    expect(row.sample.promptTokens).toBeGreaterThan(4096 - 256);
    expect(row.predicted).toBe(row.predictedFull);
    expect(Math.abs(row.errorPct)).toBeLessThanOrEqual(10);
  }, PER_SETTING_MS);

  it("stories260K at 1 × 256: the runtime's own memory dominates and is predicted within ±10 %", async () => {
    const row = await measure('stories260K.gguf', 1, 256, 3, 'full');
    expect(Math.abs(row.errorPct)).toBeLessThanOrEqual(10);
  }, PER_SETTING_MS);

  it('stories260K at 8 × 16384 after a short prompt: the full-context prediction is an upper bound (its score buffer is for a full context)', async () => {
    const row = await measure('stories260K.gguf', 8, 16384, 23);
    expect(row.predictedFull).toBeGreaterThan(row.sample.rss);
  }, PER_SETTING_MS);
});
