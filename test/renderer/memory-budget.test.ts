/**
 * The memory budget's words: 100,000 GiB on a 23.5 GiB machine was saved and
 * shown as "Loaded models may use 97.7 TiB together", a budget that limits
 * nothing; it now says so and what to enter.
 */
import { describe, expect, it } from 'vitest';
import type { HardwareView } from '../../preload/contract.js';
import { machineMemoryBytes, memoryBudgetWords } from '../../renderer/features/settings/memory-budget.js';

const GIB = 1024 ** 3;
const machine = (gpus: unknown[] = []) => ({ memory: { totalBytes: 24 * GIB }, gpus }) as unknown as HardwareView;

describe('memory budget words', () => {
  it('says a budget above the machine limits nothing, and what to enter', () => {
    const words = memoryBudgetWords(100_000 * GIB, machineMemoryBytes(machine()));
    expect(words.tooBig).toBe(true);
    expect(words.text).toBe('More than this machine’s 24.0 GiB, so it limits nothing: enter at most that, or 0 to let the memory decide.');
  });

  it('counts dedicated GPU memory, not unified memory, and knows 0 and a budget that fits', () => {
    expect(machineMemoryBytes(machine([{ unifiedMemory: false, vramTotalBytes: 8 * GIB }, { unifiedMemory: true, vramTotalBytes: 16 * GIB }]))).toBe(32 * GIB);
    expect(memoryBudgetWords(30 * GIB, 32 * GIB).tooBig).toBe(false);
    expect(memoryBudgetWords(0, 32 * GIB)).toEqual({ text: '0: the machine’s memory decides.', tooBig: false });
    expect(memoryBudgetWords(8 * GIB, null).text).toBe('Loaded models may use 8.00 GiB together.');
  });
});
