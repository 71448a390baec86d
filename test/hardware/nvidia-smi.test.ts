/**
 * Live NVIDIA figures (hardware/nvidia-smi.ts): nvidia-smi's CSV as it prints
 * it, and the query run as a real process — an nvidia-smi protocol double
 * written for the test, since this machine has no NVIDIA driver — without
 * holding up the event loop while it runs.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv, queryNvidiaSmi } from '../../main/hardware/nvidia-smi.js';
import { nvidiaSmiDouble } from '../fixtures/doubles/nvidia-smi.js';

describe('nvidia-smi', () => {
  it('reads one line per GPU, with N/A as null and commas inside the name kept', () => {
    const csv = 'NVIDIA GeForce RTX 4090, 85, 9000, 24564\nNVIDIA A100-SXM4-80GB, [N/A], 1, 81920\nTesla, Inc. GPU, 3, [Not Supported], 16384\n';
    expect(parseNvidiaSmiCsv(csv)).toEqual([
      { model: 'NVIDIA GeForce RTX 4090', utilizationGpu: 85, memoryUsed: 9000, memoryTotal: 24564 },
      { model: 'NVIDIA A100-SXM4-80GB', utilizationGpu: null, memoryUsed: 1, memoryTotal: 81920 },
      { model: 'Tesla, Inc. GPU', utilizationGpu: 3, memoryUsed: null, memoryTotal: 16384 },
    ]);
    expect(parseNvidiaSmiCsv('')).toEqual([]);
    expect(parseNvidiaSmiCsv('No devices were found\n')).toEqual([]);
  });

  it('runs the query as a process and keeps the event loop turning while it runs', async () => {
    const binary = await nvidiaSmiDouble('NVIDIA GeForce RTX 4090, 42, 1024, 24564\n', 400);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const readings = await queryNvidiaSmi({ binary });
      expect(readings).toEqual([{ model: 'NVIDIA GeForce RTX 4090', utilizationGpu: 42, memoryUsed: 1024, memoryTotal: 24564 }]);
    } finally {
      clearInterval(ticker);
    }
    // A synchronous run would have held every timer for the double's 400 ms.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('rejects with the reason when nvidia-smi is missing or fails', async () => {
    await expect(queryNvidiaSmi({ binary: join(tmpdir(), 'no-such-nvidia-smi') })).rejects.toThrow(/nvidia-smi: .*ENOENT/);
    const silent = await nvidiaSmiDouble('', 2_000);
    await expect(queryNvidiaSmi({ binary: silent, timeoutMs: 200 })).rejects.toThrow(/nvidia-smi/);
  });
});
