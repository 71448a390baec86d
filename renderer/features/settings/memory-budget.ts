/**
 * What the memory budget field says under it. A budget above all the memory
 * the machine has (RAM and GPU memory) limits nothing: the field says so and
 * what to enter, instead of "Loaded models may use 97.7 TiB together".
 */
import type { HardwareView } from '../../../preload/contract.js';
import { formatBytes } from '../../lib/format.js';

/** RAM plus dedicated GPU memory (unified memory is the RAM already); null when not known yet. */
export function machineMemoryBytes(hardware: HardwareView | null): number | null {
  if (!hardware) return null;
  const vram = hardware.gpus.reduce((sum, gpu) => sum + (gpu.unifiedMemory ? 0 : (gpu.vramTotalBytes ?? 0)), 0);
  return hardware.memory.totalBytes + vram;
}

export function memoryBudgetWords(budgetBytes: number, machineBytes: number | null): { readonly text: string; readonly tooBig: boolean } {
  if (!budgetBytes) return { text: '0: the machine’s memory decides.', tooBig: false };
  if (machineBytes !== null && budgetBytes > machineBytes) {
    return { text: `More than this machine’s ${formatBytes(machineBytes)}, so it limits nothing: enter at most that, or 0 to let the memory decide.`, tooBig: true };
  }
  return { text: `Loaded models may use ${formatBytes(budgetBytes)} together.`, tooBig: false };
}
