import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BANDWIDTH_CACHE_FILE, bandwidthAt, measureReadBandwidth, resolveMemoryBandwidth, type ReadTestResult } from '../../main/hardware/bandwidth.js';
import { lookupKnownBandwidth } from '../../main/hardware/known-bandwidth.js';
import { machine, nvidiaGpu } from './model-shapes.js';

describe('known bandwidth table', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', 1008],
    ['NVIDIA GeForce RTX 3090', 936],
    ['NVIDIA GeForce RTX 4080', 716.8],
    ['NVIDIA GeForce RTX 4070', 504],
    ['NVIDIA GeForce RTX 3060 Ti', 448],
    ['NVIDIA GeForce RTX 3080 Ti', 912],
    ['NVIDIA GeForce RTX 5090', 1792],
    ['NVIDIA GeForce RTX 5070 Ti', 896],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', 672],
    ['NVIDIA L4', 300],
    ['NVIDIA L40S', 864],
    ['NVIDIA H100 80GB HBM3', 3350],
    ['NVIDIA H100 PCIe', 2000],
    ['NVIDIA H100 NVL', 3900],
    ['AMD Radeon RX 7800 XT', 624],
    ['AMD Radeon RX 7900 GRE', 576],
    ['Apple M3 Ultra', 819],
    ['Apple M4 Pro', 273],
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
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 4090 Laptop GPU')).toBeUndefined();
    expect(lookupKnownBandwidth('NVIDIA GeForce GTX 1080')).toBeUndefined();
    expect(lookupKnownBandwidth('Apple M2 Ultra')?.gbps).toBe(800);
    expect(lookupKnownBandwidth('Intel UHD Graphics 770')).toBeUndefined();
  });

  it('tells memory configurations apart by VRAM, and says when it had to guess', () => {
    const GIB = 2 ** 30;
    // RTX 3080: 320-bit × 19 Gbps = 760 GB/s (10 GB), 384-bit × 19 Gbps = 912 GB/s (12 GB)
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 3080', null, 10 * GIB)?.gbps).toBe(760);
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 3080', null, 12 * GIB)?.gbps).toBe(912);
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 3060', null, 12 * GIB)?.gbps).toBe(360);
    expect(lookupKnownBandwidth('NVIDIA GeForce RTX 3060', null, 8 * GIB)?.gbps).toBe(240);
    expect(lookupKnownBandwidth('NVIDIA A100-SXM4-80GB', null, 80 * GIB)?.gbps).toBe(2039);
    expect(lookupKnownBandwidth('NVIDIA A100 80GB PCIe', null, 80 * GIB)?.gbps).toBe(1935);
    expect(lookupKnownBandwidth('NVIDIA A100-PCIE-40GB', null, 40 * GIB)?.gbps).toBe(1555);
    const guess = lookupKnownBandwidth('NVIDIA GeForce RTX 3080');
    expect(guess?.gbps).toBe(760);
    expect(guess?.detail).toMatch(/lower memory configuration assumed/);
  });

  it('names the vendor page of every entry', () => {
    expect(lookupKnownBandwidth('NVIDIA L40S')?.detail).toContain('https://www.nvidia.com/en-us/data-center/l40s/');
    expect(lookupKnownBandwidth('AMD Radeon RX 7900 XTX')?.detail).toContain('https://www.amd.com/');
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

  it('measures read bandwidth per working-set size with a bounded test', () => {
    const MIB = 1024 * 1024;
    const result = measureReadBandwidth({ sizes: [8 * MIB, 4 * MIB], budgetMs: 50, maxRounds: 4 });
    expect(result.rounds).toBeGreaterThanOrEqual(3);
    expect(result.rounds).toBeLessThanOrEqual(4);
    expect(result.curve.map((point) => point.bytes)).toEqual([4 * MIB, 8 * MIB]);
    for (const point of result.curve) expect(point.gbps).toBeGreaterThan(0.1);
    expect(result.gbps).toBe(result.curve[1]!.gbps);
  });

  it('reads the curve at a working-set size: linear between sizes, flat beyond them', () => {
    const curve = [
      { bytes: 100, gbps: 40 },
      { bytes: 200, gbps: 20 },
    ];
    expect(bandwidthAt(curve, 50)).toBe(40);
    expect(bandwidthAt(curve, 150)).toBe(30);
    expect(bandwidthAt(curve, 400)).toBe(20);
    expect(bandwidthAt([], 1)).toBeUndefined();
  });

  it('measures once, caches in the cache dir, and measures again on another machine', async () => {
    let measured = 0;
    const measure = (): ReadTestResult => {
      measured += 1;
      return { gbps: 40 + measured, rounds: 5, curve: [{ bytes: 256 * 1024 * 1024, gbps: 40 + measured }] };
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
    const measure = (): ReadTestResult => ({ gbps: 50, rounds: 3, curve: [{ bytes: 1, gbps: 50 }] });
    const pc = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 3090', 24)] }), cacheDir: dir, measure });
    expect(pc).toMatchObject({ cpuGBps: 50, gpuGBps: 936, gpuSource: { kind: 'spec-table' } });
    const mac = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, apple: 'M1 Max' }), cacheDir: dir, measure: () => { throw new Error('must not measure'); } });
    expect(mac).toMatchObject({ cpuGBps: 400, gpuGBps: 400, cpuSource: { kind: 'spec-table' } });
    const unknownGpu = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce GTX 1080', 8)] }), cacheDir: dir, measure });
    expect(unknownGpu.gpuGBps).toBeNull();
    expect(unknownGpu.gpuSource).toMatchObject({ kind: 'assumed' });
    expect(unknownGpu.gpuSource?.detail).toMatch(/^bandwidth unknown for NVIDIA GeForce GTX 1080/);
    const unknownMac = await resolveMemoryBandwidth({ hardware: machine({ ramGiB: 32, apple: 'M9 Max' }), cacheDir: dir, measure });
    expect(unknownMac).toMatchObject({ cpuGBps: 50, cpuSource: { kind: 'measured' }, gpuGBps: 50, gpuSource: { kind: 'assumed' } });
    expect(unknownMac.gpuSource?.detail).toMatch(/bandwidth unknown for Apple M9 Max: estimated from the CPU's measured 50 GB\/s/);
  });
});
