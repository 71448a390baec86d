import { describe, expect, it } from 'vitest';
import type { LiveSample } from '../../main/hardware/live.js';
import { startHistoryRecorder } from '../../main/hardware/history-recorder.js';
import { createSampleHistory } from '../../main/hardware/sample-history.js';

const sample = (at: number, cpu = 10): LiveSample => ({ at, ram: { totalBytes: 100, usedBytes: 40, availableBytes: 60 }, cpuLoadPct: cpu, gpus: [] });

describe('sample history', () => {
  it('keeps the newest samples, oldest first, and drops the oldest past its capacity', () => {
    const history = createSampleHistory(3);
    expect(history.samples()).toEqual([]);
    for (const at of [1, 2, 3, 4, 5]) history.push(sample(at));
    expect(history.size).toBe(3);
    expect(history.samples().map((s) => s.at)).toEqual([3, 4, 5]);
    history.push(sample(6));
    expect(history.samples().map((s) => s.at)).toEqual([4, 5, 6]);
  });

  it('answers only the samples after `since`', () => {
    const history = createSampleHistory(10);
    for (const at of [10, 20, 30, 40]) history.push(sample(at));
    expect(history.samples(20).map((s) => s.at)).toEqual([30, 40]);
    expect(history.samples(40)).toEqual([]);
    expect(history.samples(0).map((s) => s.at)).toEqual([10, 20, 30, 40]);
  });

  it('keeps time order: a sample from before the newest is dropped', () => {
    const history = createSampleHistory(5);
    history.push(sample(10));
    history.push(sample(30));
    history.push(sample(20));
    expect(history.samples().map((s) => s.at)).toEqual([10, 30]);
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => createSampleHistory(0)).toThrow(/at least one sample/);
  });
});

describe('history recorder', () => {
  it('subscribes after its delay, records every sample, sizes the ring from the span and interval, and unsubscribes on stop', async () => {
    let listener: ((s: LiveSample) => void) | null = null;
    let unsubscribed = 0;
    const recorder = startHistoryRecorder({
      subscribe: async (l) => {
        listener = l;
        return () => (unsubscribed += 1);
      },
      intervalMs: 1000,
      keepMs: 5000,
      startAfterMs: 0,
    });
    expect(recorder.view()).toMatchObject({ samples: [], recording: false, capacity: 5, intervalMs: 1000 });
    await expect.poll(() => listener !== null).toBe(true);
    expect(recorder.view().recording).toBe(true);
    for (let at = 1; at <= 7; at += 1) listener!(sample(at * 1000));
    expect(recorder.view().samples.map((s) => s.at)).toEqual([3000, 4000, 5000, 6000, 7000]);
    recorder.stop();
    expect(unsubscribed).toBe(1);
    expect(recorder.view()).toMatchObject({ recording: false });
    expect(recorder.view().samples).toHaveLength(5);
  });

  it('never subscribes when stopped before its delay, and reports a failed subscription', async () => {
    let subscribed = 0;
    const early = startHistoryRecorder({ subscribe: async () => ((subscribed += 1), () => undefined), startAfterMs: 20 });
    early.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(subscribed).toBe(0);

    const errors: unknown[] = [];
    const failing = startHistoryRecorder({ subscribe: async () => Promise.reject(new Error('no probe')), startAfterMs: 0, onError: (e) => errors.push(e) });
    await expect.poll(() => errors.length).toBe(1);
    expect(failing.view().recording).toBe(false);
    failing.stop();
  });
});
