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
import { fitModel, type MemoryBreakdown } from '../../main/hardware/fit.js';
import { createHardwareProbe } from '../../main/hardware/probe.js';
import { cpuBandwidthFor, estimateDecodeSpeed } from '../../main/hardware/speed.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../../main/hardware/types.js';
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
  /** Tokens per CPU second: what decoding runs at when it has a core (this machine is shared). */
  readonly cpuDecodeTokensPerSecond: number;
  readonly rssGrowth: number;
  readonly anonGrowth: number | null;
  readonly fileGrowth: number | null;
}

let dir: string;
let hardware: HardwareSnapshot;
let bandwidth: MemoryBandwidth;
let store: MeasurementStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-measure-'));
  hardware = await createHardwareProbe().snapshot();
  bandwidth = await resolveMemoryBandwidth({ hardware, cacheDir: dir });
  store = new MeasurementStore({ file: join(dir, 'measurements.json') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function measureModel(file: 'bench-124m-q4_0.gguf' | 'stories260K.gguf', contextSize: number) {
  const path = testModel(file);
  const metadata = await readModelMetadata(path);
  const fit = fitModel({ model: metadata.shape, contextSize, slots: 1, hardware });
  expect(fit.verdict).toBe('cpu-only');
  // The child's baseline is taken after the llama.cpp backend is loaded: everything but the runtime process itself.
  const predictedMemory = fit.memory.totalBytes - fit.memory.runtimeBytes;
  const speed = estimateDecodeSpeed({ model: metadata.shape, gpuLayers: 0, bandwidth });
  const flash = fit.memory.flashAttention ? 'on' : 'off';

  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, path, String(contextSize), String(DECODE_TOKENS), flash], {
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
    measured: { memoryBytes: report.rssGrowth, tokensPerSecond: report.cpuDecodeTokensPerSecond },
    note: `node-llama-cpp, CPU, 1 thread, ${DECODE_TOKENS} tokens greedy, decode rate per CPU second`,
  });
  print(file, fit.memory, report, speed.tokensPerSecond!, record, cpuBandwidthFor(bandwidth, speed.bytesPerToken.cpu));
  return { record, report, predictedMemory, speed };
}

function print(file: string, memory: MemoryBreakdown, report: ChildReport, range: { low: number; high: number }, record: MeasurementRecord, readGBps: number): void {
  const mib = (value: number | null) => (value === null ? 'n/a' : `${(value / MIB).toFixed(1)} MiB`);
  console.log(
    [
      `── ${file} @ ${report.contextSize} context, CPU, 1 thread (read bandwidth ${readGBps} GB/s at the model's size, ${bandwidth.cpuGBps} GB/s beyond the caches; ${bandwidth.cpuSource.detail})`,
      `   predicted growth ${mib(record.predicted.memoryBytes)} = weights ${mib(memory.weightsBytes)} (repacked copy ${mib(memory.repackedWeightsBytes)}) + KV ${mib(memory.kvCacheBytes)} + compute ${mib(memory.computeBytes)} + vocabulary ${mib(memory.vocabularyBytes)}`,
      `   measured RSS growth ${mib(report.rssGrowth)} (anonymous ${mib(report.anonGrowth)}, file-backed ${mib(report.fileGrowth)})`,
      `   memory error ${record.errorPct.memory} % (a short prompt: the prediction is for a full batch)`,
      `   predicted decode ${range.low}–${range.high} tok/s, measured ${report.cpuDecodeTokensPerSecond.toFixed(1)} tok/s per CPU second (${report.decodeTokensPerSecond.toFixed(1)} by the wall clock)`,
      `   speed error ${record.errorPct.tokensPerSecond} % from the range midpoint (target ±30 %), inside the range: ${record.speedWithinRange}`,
    ].join('\n'),
  );
}

describe('prediction vs measurement with node-llama-cpp', () => {
  it('bench-124m-q4_0 at 4096 context: speed within a factor of 2 (error printed), memory an upper bound for a short prompt', async () => {
    const { record } = await measureModel('bench-124m-q4_0.gguf', 4096);
    // A 5-token prompt writes little of the compute buffer and few rows of the token embedding, which the
    // prediction (the memory of a full batch) counts: it is above the growth here. The ±10 % check against
    // the runtime process, with a prompt that fills a batch, is test/hardware/memory-table.test.ts.
    expect(record.errorPct.memory).not.toBeNull();
    // (+11 % and +30 % in two runs: the JS heap and the untouched rows move with the machine's load.)
    expect(record.errorPct.memory!).toBeGreaterThan(0);
    // Decode speed is counted per CPU second (a busy machine delays decoding, which wall-clock time would
    // count), but other programs still share the memory bus of this 2-core machine: the ±30 % target is
    // printed above, and the test fails only outside a factor of 2 of the range's midpoint.
    expect(record.errorPct.tokensPerSecond).not.toBeNull();
    expect(record.errorPct.tokensPerSecond!).toBeGreaterThan(-50);
    expect(record.errorPct.tokensPerSecond!).toBeLessThan(100);

    const shown = await store.figuresToShow('bench-124m-q4_0', record.setup, record.predicted);
    expect(shown.memory).toMatchObject({ source: 'measured', bytes: record.measured.memoryBytes });
    expect(shown.tokensPerSecond).toMatchObject({ source: 'measured', value: record.measured.tokensPerSecond });
  });

  it('stories260K at 2048 context: the prediction is the full-context peak, above what a short prompt uses', async () => {
    const { record, predictedMemory, speed } = await measureModel('stories260K.gguf', 2048);
    // Without flash attention (8-dim heads) the compute buffer holds 32 MiB of attention scores for a
    // batch at a full context; a 5-token prompt writes a sliver of it.
    expect(record.measured.memoryBytes!).toBeLessThan(predictedMemory);
    // A 1 MB model is bound by per-token overhead, not bandwidth: the estimate is an upper bound.
    expect(record.measured.tokensPerSecond!).toBeLessThan(speed.tokensPerSecond!.high);
  });
});
