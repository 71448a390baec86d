import { describe, expect, it } from 'vitest';
import { judgeMemoryBudget, machineMemory } from '../../main/lifecycle/memory-ceiling.js';

const GIB = 1024 ** 3;
const gpu = (vram: number | null, unified = false) => ({ vramTotalBytes: vram, unifiedMemory: unified }) as never;

describe('machineMemory', () => {
  it('adds dedicated GPU memory to the RAM and counts unified memory once', () => {
    expect(machineMemory({ memory: { totalBytes: 32 * GIB, availableBytes: 0 }, gpus: [gpu(24 * GIB), gpu(8 * GIB)] })).toEqual({ bytes: 64 * GIB, described: '32.0 GiB RAM + 32.0 GiB GPU memory' });
    expect(machineMemory({ memory: { totalBytes: 16 * GIB, availableBytes: 0 }, gpus: [gpu(null, true)] })).toEqual({ bytes: 16 * GIB, described: '16.0 GiB RAM' });
    expect(machineMemory({ memory: { totalBytes: 16 * GIB, availableBytes: 0 }, gpus: [gpu(null)] }).bytes).toBe(16 * GIB);
  });
});

describe('judgeMemoryBudget', () => {
  const machine = { bytes: 24 * GIB, described: '24.0 GiB RAM' };
  it('takes 0 (no budget), anything up to the machine, and anything when the machine is not known', () => {
    expect(judgeMemoryBudget(0, machine)).toEqual({ ok: true });
    expect(judgeMemoryBudget(24 * GIB, machine)).toEqual({ ok: true });
    expect(judgeMemoryBudget(10_000 * GIB, null)).toEqual({ ok: true });
  });
  it('refuses more than the machine has, saying what it has and what to enter', () => {
    expect(judgeMemoryBudget(24 * GIB + 1, machine)).toEqual({
      ok: false,
      reason: 'A memory budget of 24.0 GiB is more than this machine has (24.0 GiB RAM), so it would limit nothing. Enter at most 24.0 GiB, or 0 to let the machine\'s memory decide.',
    });
    expect(judgeMemoryBudget(100_000 * GIB, machine)).toMatchObject({ ok: false, reason: expect.stringContaining('100000.0 GiB is more than') });
  });
});
