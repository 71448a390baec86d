import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HardwareView } from '../../main/models/library/service.js';
import type { LiveSample } from '../../main/hardware/live.js';
import { GIB, startControlHarness, TEST_BANDWIDTH, type ControlHarness } from './harness.js';

let h: ControlHarness;

beforeAll(async () => {
  h = await startControlHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('GET /hardware', () => {
  it('returns the cached snapshot with bandwidth and the fit budget', async () => {
    const { status, body } = await h.api('/hardware');
    expect(status).toBe(200);
    const view = body as HardwareView;
    expect(view.cpu).toMatchObject({ manufacturer: 'AMD', logicalCores: 32, flags: { avx2: true } });
    expect(view.memory.totalBytes).toBe(16 * GIB);
    expect(view.gpus).toHaveLength(1);
    expect(view.gpus[0]).toMatchObject({ vendor: 'nvidia', model: 'NVIDIA GeForce RTX 4060', vramTotalBytes: 8 * GIB });
    expect(view.os).toMatchObject({ platform: 'linux', arch: 'x64' });
    expect(view.bandwidth).toEqual(TEST_BANDWIDTH);
    expect(view.bandwidthError).toBeNull();
    // 16 GiB minus the 2 GiB reserve; 8 GiB minus the 512 MiB reserve.
    expect(view.budget).toMatchObject({ ramBytes: 14 * GIB, vramBytes: 7.5 * GIB, unified: false, gpuName: 'NVIDIA GeForce RTX 4060' });
  });

  it('serves from the cache; POST /hardware/refresh probes again', async () => {
    const before = (await h.api('/hardware')).body as HardwareView;
    expect(h.probeCalls.refresh).toBe(0);
    const refreshed = await h.api('/hardware/refresh', { method: 'POST' });
    expect(refreshed.status).toBe(200);
    expect(h.probeCalls.refresh).toBe(1);
    expect((refreshed.body as HardwareView).probedAt).toBeGreaterThan(before.probedAt);
    expect(((await h.api('/hardware')).body as HardwareView).probedAt).toBe((refreshed.body as HardwareView).probedAt);
  });
});

describe('GET /hardware/live', () => {
  it('streams samples while a client listens and stops polling once the last one disconnects', async () => {
    expect(h.monitor.polling).toBe(false);
    const first = await h.openEvents('/hardware/live');
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/^text\/event-stream/);
    const second = await h.openEvents('/hardware/live');

    for (const reader of [first, second]) {
      for (let i = 0; i < 2; i += 1) {
        const event = await reader.next();
        expect(event.event).toBe('sample');
        const sample = event.data as LiveSample;
        expect(sample.ram).toEqual({ totalBytes: 16 * GIB, usedBytes: 6 * GIB, availableBytes: 10 * GIB });
        expect(sample.cpuLoadPct).toBe(12.3);
      }
    }
    expect(h.monitor.polling).toBe(true);

    first.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.monitor.polling).toBe(true); // one client is still there
    await second.next(); // and still gets samples

    second.abort();
    await vi.waitFor(() => expect(h.monitor.polling).toBe(false), { timeout: 5000, interval: 10 });
    const polls = h.livePolls();
    await new Promise((resolve) => setTimeout(resolve, 150)); // several poll intervals (20 ms)
    expect(h.livePolls()).toBe(polls);
  });

  it('sends heartbeat comments on a quiet stream', async () => {
    // A monitor that never produces a sample: only heartbeats flow (every 50 ms in the harness).
    const quiet = await startControlHarness({ liveIntervalMs: 60_000 });
    try {
      const reader = await quiet.openEvents('/hardware/live');
      await reader.next(); // the first poll happens at once
      await vi.waitFor(() => expect(reader.comments).toBeGreaterThanOrEqual(2), { timeout: 5000, interval: 10 });
      reader.abort();
      await vi.waitFor(() => expect(quiet.monitor.polling).toBe(false), { timeout: 5000, interval: 10 });
    } finally {
      await quiet.close();
    }
  });

  it('keeps the Host guard in front of the control routes', async () => {
    const port = new URL(h.baseUrl).port;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/homeport/v1/hardware', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('the gateway error handler', () => {
  it('logged no unexpected errors for these routes', () => {
    expect(h.loggedErrors).toEqual([]);
  });
});
