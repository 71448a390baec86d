/**
 * Prediction versus measurement with the real runtime: each test model is
 * loaded by node-llama-cpp in a child process (CPU, one thread), its RSS
 * growth and decode speed are measured, compared with fit/speed predictions
 * and recorded through measured.ts. The figures are printed; see
 * main/hardware/design.md for why each error is what it is.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMemoryBandwidth } from '../../main/hardware/bandwidth.js';
import { placementBytes } from '../../main/hardware/memory-estimate.js';
import { createHardwareProbe } from '../../main/hardware/probe.js';
import { estimateDecodeSpeed } from '../../main/hardware/speed.js';
import type { MemoryBandwidth } from '../../main/hardware/types.js';
import { readModelMetadata } from '../../main/models/gguf-metadata.js';
import { MeasurementStore, type MeasurementRecord } from '../../main/models/measured.js';
import { testModel } from '../support/models.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./fixtures/measure-decode.ts', import.meta.url));
const DECODE_TOKENS = 64;
const MIB = 1024 * 1024;

interface ChildReport {
  readonly contextSize: number;
  readonly decodedTokens: number;
  readonly decodeTokensPerSecond: number;
  readonly rssGrowth: number;
  readonly anonGrowth: number | null;
  readonly fileGrowth: number | null;
}

let dir: string;
let bandwidth: MemoryBandwidth;
let store: MeasurementStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-measure-'));
  const hardware = await createHardwareProbe().snapshot();
  bandwidth = await resolveMemoryBandwidth({ hardware, cacheDir: dir });
  store = new MeasurementStore({ file: join(dir, 'measurements.json') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function measureModel(file: 'bench-124m-q4_0.gguf' | 'stories260K.gguf', contextSize: number) {
  const path = testModel(file);
  const metadata = await readModelMetadata(path);
  const bytes = placementBytes({ shape: metadata.shape, contextSize, slots: 1, kvCacheType: 'f16', gpuLayers: 0 }).cpu;
  // The child's baseline is taken after the llama.cpp backend is loaded, so the runtime's own memory is not in the prediction.
  const predictedMemory = bytes.weights + bytes.kvCache + bytes.compute;
  const speed = estimateDecodeSpeed({ model: metadata.shape, gpuLayers: 0, bandwidth });

  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, path, String(contextSize), String(DECODE_TOKENS)], {
    timeout: 180_000,
    maxBuffer: 1024 * 1024,
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
  expect(report.contextSize).toBe(contextSize);
  expect(report.decodedTokens).toBe(DECODE_TOKENS);

  const record = await store.record({
    modelId: file.replace(/\.gguf$/, '').toLowerCase(),
    setup: { contextSize, slots: 1, kvCacheType: 'f16', gpuLayers: 0 },
    predicted: { memoryBytes: predictedMemory, tokensPerSecond: speed.tokensPerSecond },
    measured: { memoryBytes: report.rssGrowth, tokensPerSecond: report.decodeTokensPerSecond },
    note: `node-llama-cpp, CPU, 1 thread, ${DECODE_TOKENS} tokens greedy`,
  });
  print(file, bytes, report, speed.tokensPerSecond!, record);
  return { record, report, predictedMemory, speed };
}

function print(file: string, bytes: { weights: number; kvCache: number; compute: number }, report: ChildReport, range: { low: number; high: number }, record: MeasurementRecord): void {
  const mib = (value: number | null) => (value === null ? 'n/a' : `${(value / MIB).toFixed(1)} MiB`);
  console.log(
    [
      `── ${file} @ ${report.contextSize} context, CPU, 1 thread (bandwidth ${bandwidth.cpuGBps} GB/s, ${bandwidth.cpuSource.kind})`,
      `   predicted memory ${mib(record.predicted.memoryBytes)} = weights ${mib(bytes.weights)} + KV ${mib(bytes.kvCache)} + compute ${mib(bytes.compute)}`,
      `   measured RSS growth ${mib(report.rssGrowth)} (anonymous ${mib(report.anonGrowth)}, file-backed ${mib(report.fileGrowth)})`,
      `   memory error ${record.errorPct.memory} % (target ±10 %)`,
      `   predicted decode ${range.low}–${range.high} tok/s, measured ${report.decodeTokensPerSecond.toFixed(1)} tok/s`,
      `   speed error ${record.errorPct.tokensPerSecond} % from the range midpoint (target ±30 %), inside the range: ${record.speedWithinRange}`,
    ].join('\n'),
  );
}

describe('prediction vs measurement with node-llama-cpp', () => {
  it('bench-124m-q4_0 at 4096 context: memory within ±10 %, speed error printed', async () => {
    const { record } = await measureModel('bench-124m-q4_0.gguf', 4096);
    expect(record.errorPct.memory).not.toBeNull();
    expect(Math.abs(record.errorPct.memory!)).toBeLessThanOrEqual(10);
    // Decode speed depends on what else runs on this 2-core machine: the ±30 % target is printed above,
    // and only a gross miss (a wrong formula, not a busy machine) fails the test.
    expect(record.errorPct.tokensPerSecond).not.toBeNull();
    expect(record.errorPct.tokensPerSecond!).toBeGreaterThan(-67);
    expect(record.errorPct.tokensPerSecond!).toBeLessThan(200);

    const shown = await store.figuresToShow('bench-124m-q4_0', record.setup, record.predicted);
    expect(shown.memory).toMatchObject({ source: 'measured', bytes: record.measured.memoryBytes });
    expect(shown.tokensPerSecond).toMatchObject({ source: 'measured', value: record.measured.tokensPerSecond });
  });

  it('stories260K at 2048 context: fixed overhead dominates, so the prediction is low', async () => {
    const { record, predictedMemory, speed } = await measureModel('stories260K.gguf', 2048);
    // Weights, KV cache and compute buffer are ~6 MiB here; the runtime's per-model allocations
    // (vocabulary, graph, malloc arenas) are not in the formula and are as large.
    expect(record.measured.memoryBytes!).toBeGreaterThan(predictedMemory);
    expect(record.errorPct.memory!).toBeLessThan(0);
    // A 1 MB model is bound by per-token overhead, not bandwidth: the estimate is an upper bound.
    expect(record.measured.tokensPerSecond!).toBeLessThan(speed.tokensPerSecond!.high);
  });
});
