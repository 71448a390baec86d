import { describe, expect, it } from 'vitest';
import type { Systeminformation } from 'systeminformation';
import { createLiveMonitor, gpuPollingUseful, startLivePoll, type LiveSample, type LiveSystemInfoSource } from '../../main/hardware/live.js';
import { machine, nvidiaGpu } from './model-shapes.js';

const MIB = 1024 * 1024;

/** A manual timer: tests fire the scheduled callback themselves. */
function manualTimer() {
  const pending = new Map<number, { callback: () => void; ms: number }>();
  let next = 1;
  return {
    setTimer: (callback: () => void, ms: number) => {
      const id = next++;
      pending.set(id, { callback, ms });
      return id;
    },
    clearTimer: (handle: unknown) => {
      pending.delete(handle as number);
    },
    pending,
    fire() {
      const [id, entry] = [...pending.entries()][0] ?? [];
      if (id === undefined || !entry) throw new Error('nothing scheduled');
      pending.delete(id);
      entry.callback();
    },
  };
}

function fakeSi(options: { gpu?: boolean } = {}) {
  const calls = { mem: 0, load: 0, graphics: 0 };
  const si: LiveSystemInfoSource = {
    mem: async () => {
      calls.mem += 1;
      return { total: 16 * 1024 * MIB, available: 6 * 1024 * MIB, free: 1024 * MIB } as Systeminformation.MemData;
    },
    currentLoad: async () => {
      calls.load += 1;
      return { currentLoad: 37.26 } as Systeminformation.CurrentLoadData;
    },
    graphics: async () => {
      calls.graphics += 1;
      return {
        controllers: options.gpu ? [{ model: 'NVIDIA GeForce RTX 4090', utilizationGpu: 85, memoryUsed: 9000, memoryTotal: 24564 } as Systeminformation.GraphicsControllerData] : [],
        displays: [],
      };
    },
  };
  return { si, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('live load monitor', () => {
  it('polls only while subscribed, one poll at a time, every intervalMs', async () => {
    const timer = manualTimer();
    const { si, calls } = fakeSi();
    const monitor = createLiveMonitor({ si, intervalMs: 2000, now: () => 7, setTimer: timer.setTimer, clearTimer: timer.clearTimer });
    expect(monitor.polling).toBe(false);
    await tick();
    expect(calls.mem).toBe(0);

    const samples: LiveSample[] = [];
    const unsubscribe = monitor.subscribe((sample) => samples.push(sample));
    expect(monitor.polling).toBe(true);
    await tick();
    expect(samples).toHaveLength(1);
    expect(samples[0]).toEqual({
      at: 7,
      ram: { totalBytes: 16 * 1024 * MIB, usedBytes: 10 * 1024 * MIB, availableBytes: 6 * 1024 * MIB },
      cpuLoadPct: 37.3,
      gpus: [],
    });
    expect(calls.graphics).toBe(0); // GPU polling is opt-in
    expect([...timer.pending.values()].map((entry) => entry.ms)).toEqual([2000]);

    timer.fire();
    await tick();
    expect(samples).toHaveLength(2);
    expect(timer.pending.size).toBe(1);

    unsubscribe();
    expect(monitor.polling).toBe(false);
    expect(timer.pending.size).toBe(0);
    await tick();
    expect(calls.mem).toBe(2);
  });

  it('reports GPU utilisation and VRAM used when GPU polling is on', async () => {
    const timer = manualTimer();
    const { si } = fakeSi({ gpu: true });
    const samples: LiveSample[] = [];
    const stop = startLivePoll({ si, pollGpus: true, setTimer: timer.setTimer, clearTimer: timer.clearTimer, onSample: (sample) => samples.push(sample) });
    await tick();
    expect(samples[0]!.gpus).toEqual([{ model: 'NVIDIA GeForce RTX 4090', utilizationPct: 85, vramUsedBytes: 9000 * MIB, vramTotalBytes: 24564 * MIB }]);
    stop();
    expect(timer.pending.size).toBe(0);
  });

  it('keeps polling after a failed poll and reports the error', async () => {
    const timer = manualTimer();
    const { si } = fakeSi();
    let failures = 0;
    const flaky: LiveSystemInfoSource = {
      ...si,
      mem: async () => {
        failures += 1;
        if (failures === 1) throw new Error('boom');
        return si.mem();
      },
    };
    const errors: unknown[] = [];
    const samples: LiveSample[] = [];
    const stop = startLivePoll({ si: flaky, onError: (error) => errors.push(error), setTimer: timer.setTimer, clearTimer: timer.clearTimer, onSample: (s) => samples.push(s) });
    await tick();
    expect(errors).toHaveLength(1);
    expect(samples).toHaveLength(0);
    timer.fire();
    await tick();
    expect(samples).toHaveLength(1);
    stop();
  });

  it('samples this machine with the real systeminformation', async () => {
    const sample = await new Promise<LiveSample>((resolve) => {
      const stop = startLivePoll({
        intervalMs: 60_000,
        onSample: (s) => {
          stop();
          resolve(s);
        },
      });
    });
    expect(sample.ram.totalBytes).toBeGreaterThan(0);
    expect(sample.cpuLoadPct).toBeGreaterThanOrEqual(0);
    expect(sample.cpuLoadPct).toBeLessThanOrEqual(100);
  });
});

describe('gpuPollingUseful', () => {
  it('is true only with an NVIDIA GPU', () => {
    expect(gpuPollingUseful(machine({ ramGiB: 16, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4090', 24)] }))).toBe(true);
    expect(gpuPollingUseful(machine({ ramGiB: 16, apple: 'M2' }))).toBe(false);
    expect(gpuPollingUseful(machine({ ramGiB: 16 }))).toBe(false);
  });
});
