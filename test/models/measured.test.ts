import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { comparePrediction, errorPercent, MeasurementStore } from '../../main/models/measured.js';

const setup = { contextSize: 4096, slots: 1, kvCacheType: 'f16' as const, gpuLayers: 0 };
const predicted = { memoryBytes: 200e6, tokensPerSecond: { low: 200, high: 300 } };

describe('errors against the prediction', () => {
  it('is (predicted − measured) / measured in percent', () => {
    expect(errorPercent(110, 100)).toBe(10);
    expect(errorPercent(90, 100)).toBe(-10);
    expect(errorPercent(1, undefined)).toBeNull();
  });

  it('compares a speed range by its midpoint and says whether the measurement fell inside', () => {
    expect(comparePrediction(predicted, { memoryBytes: 190e6, tokensPerSecond: 250 })).toEqual({
      errorPct: { memory: 5.3, vram: null, tokensPerSecond: 0 },
      speedWithinRange: true,
    });
    expect(comparePrediction(predicted, { tokensPerSecond: 100 }).speedWithinRange).toBe(false);
    expect(comparePrediction({ ...predicted, tokensPerSecond: null }, { tokensPerSecond: 100 }).errorPct.tokensPerSecond).toBeNull();
  });
});

describe('MeasurementStore', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'homeport-measured-'));
    file = join(dir, 'state', 'measurements.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('persists records atomically and reads them back in a new store', async () => {
    const store = new MeasurementStore({ file, now: () => 1000 });
    const record = await store.record({ modelId: 'bench', setup, predicted, measured: { memoryBytes: 190e6, tokensPerSecond: 250 }, note: 'test' });
    expect(record.errorPct.memory).toBe(5.3);
    expect(await readdir(join(dir, 'state'))).toEqual(['measurements.json']); // no temp file left behind
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as { version: number; records: unknown[] };
    expect(onDisk.version).toBe(1);
    expect(onDisk.records).toHaveLength(1);
    const reopened = new MeasurementStore({ file });
    expect(await reopened.list('bench')).toEqual([record]);
  });

  it('keeps concurrent records', async () => {
    const store = new MeasurementStore({ file });
    await Promise.all([1, 2, 3, 4].map((n) => store.record({ modelId: `m${n}`, setup, predicted, measured: { tokensPerSecond: n } })));
    expect((await new MeasurementStore({ file }).list()).map((r) => r.modelId).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('shows the prediction until a measurement exists, then the measurement', async () => {
    const store = new MeasurementStore({ file });
    const before = await store.figuresToShow('bench', setup, predicted);
    expect(before.memory).toEqual({ bytes: 200e6, source: 'predicted', errorPct: null });
    expect(before.tokensPerSecond).toEqual({ source: 'predicted', low: 200, high: 300 });

    await store.record({ modelId: 'bench', setup, predicted, measured: { memoryBytes: 190e6, tokensPerSecond: 250 } });
    const after = await store.figuresToShow('bench', setup, predicted);
    expect(after.memory).toEqual({ bytes: 190e6, source: 'measured', errorPct: 5.3 });
    expect(after.tokensPerSecond).toEqual({ source: 'measured', value: 250, errorPct: 0 });

    // Another context: memory is predicted again (it depends on context), speed still measured (same layers).
    const other = await store.figuresToShow('bench', { ...setup, contextSize: 2048 }, predicted);
    expect(other.memory.source).toBe('predicted');
    expect(other.tokensPerSecond).toMatchObject({ source: 'measured', value: 250 });
    // Another model: nothing measured.
    expect((await store.figuresToShow('other', setup, predicted)).memory.source).toBe('predicted');
  });

  it('ignores a damaged file, says so, and rewrites it on the next record', async () => {
    await writeFile(join(dir, 'bad.json'), '{"version": 7}');
    const store = new MeasurementStore({ file: join(dir, 'bad.json') });
    expect(await store.list()).toEqual([]);
    expect(store.loadError).toMatch(/not a measurements file/);
    await store.record({ modelId: 'x', setup, predicted, measured: { tokensPerSecond: 1 } });
    expect(await new MeasurementStore({ file: join(dir, 'bad.json') }).list()).toHaveLength(1);
  });
});
