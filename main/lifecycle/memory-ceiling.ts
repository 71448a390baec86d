/**
 * The most memory a memory budget can sensibly name: this machine's RAM plus
 * its dedicated GPU memory (unified memory is the RAM, counted once). A budget
 * above it limits nothing — usually a slip of units — so a change to one is
 * refused with what to enter instead.
 */
import { formatBytes } from '../hardware/fit.js';
import type { HardwareSnapshot } from '../hardware/types.js';

export interface MachineMemory {
  readonly bytes: number;
  /** e.g. `23.4 GiB RAM + 8 GiB GPU memory`. */
  readonly described: string;
}

export function machineMemory(hardware: Pick<HardwareSnapshot, 'memory' | 'gpus'>): MachineMemory {
  const vram = hardware.gpus.reduce((sum, gpu) => sum + (gpu.unifiedMemory ? 0 : (gpu.vramTotalBytes ?? 0)), 0);
  const ram = `${formatBytes(hardware.memory.totalBytes)} RAM`;
  return { bytes: hardware.memory.totalBytes + vram, described: vram > 0 ? `${ram} + ${formatBytes(vram)} GPU memory` : ram };
}

export type BudgetVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether `budgetBytes` (0 = no budget) can be saved on a machine with `machine`; null machine = not known, allowed. */
export function judgeMemoryBudget(budgetBytes: number, machine: MachineMemory | null): BudgetVerdict {
  if (budgetBytes === 0 || machine === null || budgetBytes <= machine.bytes) return { ok: true };
  return {
    ok: false,
    reason: `A memory budget of ${formatBytes(budgetBytes)} is more than this machine has (${machine.described}), so it would limit nothing. Enter at most ${formatBytes(machine.bytes)}, or 0 to let the machine's memory decide.`,
  };
}
