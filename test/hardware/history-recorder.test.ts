/**
 * The engine's hardware history (hardware/history-recorder.ts) with its own
 * monitor: RAM and CPU from this machine, and GPU figures only when asked
 * (the engine asks on machines with an NVIDIA driver) — here from an
 * nvidia-smi protocol double found on PATH, as the real one would be.
 */
import { dirname, delimiter } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHistoryRecorder, type HistoryRecorder } from '../../main/hardware/history-recorder.js';
import { nvidiaSmiDouble } from '../fixtures/doubles/nvidia-smi.js';

const originalPath = process.env.PATH;
let recorder: HistoryRecorder | undefined;

afterEach(() => {
  recorder?.stop();
  process.env.PATH = originalPath;
});

async function firstSamples(pollGpus: boolean) {
  recorder = startHistoryRecorder({ pollGpus, intervalMs: 100, startAfterMs: 0 });
  for (let i = 0; i < 100 && recorder.view().samples.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return recorder.view().samples;
}

describe('hardware history recorder', () => {
  it("records this machine's RAM and CPU without querying GPUs unless asked", async () => {
    process.env.PATH = `${dirname(await nvidiaSmiDouble('NVIDIA GeForce RTX 4090, 50, 2048, 24564\n'))}${delimiter}${originalPath}`;
    const [sample] = await firstSamples(false);
    expect(sample!.ram.totalBytes).toBeGreaterThan(0);
    expect(sample!.gpus).toEqual([]);
  });

  it('records NVIDIA GPU use when asked', async () => {
    process.env.PATH = `${dirname(await nvidiaSmiDouble('NVIDIA GeForce RTX 4090, 50, 2048, 24564\n'))}${delimiter}${originalPath}`;
    const [sample] = await firstSamples(true);
    expect(sample!.gpus).toEqual([{ model: 'NVIDIA GeForce RTX 4090', utilizationPct: 50, vramUsedBytes: 2048 * 1024 * 1024, vramTotalBytes: 24564 * 1024 * 1024 }]);
  });
});
