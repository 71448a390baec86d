import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BANDWIDTH_CACHE_FILE, measureCopyBandwidth, resolveMemoryBandwidth } from '../../main/hardware/bandwidth.js';
import { lookupKnownBandwidth } from '../../main/hardware/known-bandwidth.js';
import { machine, nvidiaGpu } from './model-shapes.js';

describe('known bandwidth table', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', 1008],
    ['NVIDIA GeForce RTX 3090', 936],
    ['NVIDIA GeForce RTX 4080', 716.8],
    ['NVIDIA GeForce RTX 4070', 504],
    ['NVIDIA GeForce RTX 3060', 360],
    ['Apple M1', 68.25],
    ['Apple M1 Pro', 200],
    ['Apple M1 Max', 400],
    ['Apple M2', 100],
    ['Apple M4', 120],
    ['AMD Radeon RX 7900 XTX', 960],
  ])('%s → %d GB/s', (name, gbps) => {
    expect(lookupKnownBandwidth(name)?.gbps).toBe(gbps);
  });

  it('does not mistake a variant for its base model', () => {
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 4080 SUPER')?.gbps).toBe(736);
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 4060 Ti')?.gbps).toBe(288);
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 3060 Ti')).toBeUndefined();
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 4090 Laptop GPU')).toBeUndefined();
    expect(lookupKnownBandwidth('AMD Radeon RX 7900 GRE')).toBeUndefined();
    expect(lookupKnownBandwidth('Apple M2 Ultra')?.gbps).toBe(800);
    expect(lookupKnownBandwidth('Intel UHD Graphics 770')).toBeUndefined();
  });

  it('picks the Apple bin by GPU cores, and says when it had to guess', () => {
    expect(lookupKnownBandwidth('Apple M3 Max', 40)?.gbps).toBe(400);
    expect(lookupKnownBandwidth('Apple M3 Max', 30)?.gbps).toBe(300);
    const guess = lookupKnownBandwidth('Apple M3 Max');
    expect(guess?.gbps).toBe(300);
    expect(guess?.detail).toMatch(/lower GPU bin assumed/);
  });
});

describe('measured RAM bandwidth', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'homeport-bw-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('measures with a bounded copy test', () => {
    const result = measureCopyBandwidth({ bytes: 32 * 1024 * 1024, budgetMs: 100, maxRuns: 4 });
    expect(result.runs).toBeGreaterThanOrEqual(2);
    expect(result.runs).toBeLessThanOrEqual(4);
    expect(result.gbps).toBeGreaterThan(0.1);
    expect(result.bytes).toBe(32 * 1024 * 1024);
  });

  it('measures once, caches in the cache dir, and measures again on another machine', async () => {
    let measured = 0;
    const measure = () => {
      measured += 1;
      return { gbps: 40 + measured, runs: 5, bytes: 256 * 1024 * 1024 };
    };
    const hardware = machine({ ramGiB: 32 });
    const first = await resolveMemoryBandwidth({ hardware, cacheDir: dir, measure, now: () => 1 });
    expect(first).toMatchObject({ cpuGBps: 41, cpuSource: { kind: 'measured' }, gpuGBps: null });
    const again = await resolveMemoryBandwidth({ hardware, cacheDir: dir, measure });
    expect(again.cpuGBps).toBe(41);
    expect(measured).toBe(1);
    const cached = JSON.parse(await readFile(join(dir, BANDWIDTH_CACHE_FILE), 'utf8')) as { gbps: number };
    expect(cached.gbps).toBe(41);
    const upgraded = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 64 }), cacheDir: dir, measure });
    expect(upgraded.cpuGBps).toBe(42);
  });

  it('takes GPU figures from the table and Apple chips for both CPU and GPU', async () => {
    const measure = () => ({ gbps: 50, runs: 3, bytes: 1 });
    const pc = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 3090', 24)] }), cacheDir: dir, measure });
    expect(pc).toMatchObject({ cpuGBps: 50, gpuGBps: 936, gpuSource: { kind: 'spec-table' } });
    const mac = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, apple: 'M1 Max' }), cacheDir: dir, measure: () => { throw new Error('must not measure'); } });
    expect(mac).toMatchObject({ cpuGBps: 400, gpuGBps: 400, cpuSource: { kind: 'spec-table' } });
    const unknownGpu = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce GTX 1080', 8)] }), cacheDir: dir, measure });
    expect(unknownGpu.gpuGBps).toBeNull();
  });
});
