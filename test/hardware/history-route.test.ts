import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HardwareHistoryView } from '../../main/hardware/sample-history.js';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

// GET /homeport/v1/hardware/history on a real engine: it records this machine's live samples
// from a few seconds after it starts, serves them oldest first (also through the contract's
// HTTP transport), filters by `since`, and refuses a `since` that is not a time.

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine();
}, 120_000);

afterAll(async () => {
  await t?.engine.stop();
});

async function history(query = ''): Promise<{ status: number; body: HardwareHistoryView }> {
  const res = await t.controlFetch(`/homeport/v1/hardware/history${query}`);
  return { status: res.status, body: (await res.json()) as HardwareHistoryView };
}

describe('GET /hardware/history', () => {
  it('needs the control token', async () => {
    const res = await fetch(`${t.origin}/homeport/v1/hardware/history`);
    expect(res.status).toBe(401);
  });

  it("serves this machine's recent samples, oldest first, and only the newer ones after `since`", async () => {
    // Recording starts 5 s after the engine; a sample every 2 s after that.
    let view: HardwareHistoryView = (await history()).body;
    const deadline = Date.now() + 30_000;
    while (view.samples.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      view = (await history()).body;
    }
    expect(view.recording).toBe(true);
    expect(view.intervalMs).toBe(2000);
    expect(view.capacity).toBe(300);
    expect(view.samples.length).toBeGreaterThanOrEqual(2);
    const ats = view.samples.map((s) => s.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    for (const s of view.samples) {
      expect(s.ram.totalBytes).toBeGreaterThan(0);
      expect(s.cpuLoadPct).toBeGreaterThanOrEqual(0);
      expect(s.cpuLoadPct).toBeLessThanOrEqual(100);
    }
    const newer = await history(`?since=${ats[0]}`);
    expect(newer.status).toBe(200);
    // The same samples from the second on (and any taken since the first answer).
    expect(newer.body.samples.map((s) => s.at).slice(0, ats.length - 1)).toEqual(ats.slice(1));
    expect(newer.body.samples.every((s) => s.at > ats[0]!)).toBe(true);

    const transport = createHttpTransport({ baseUrl: t.origin, token: t.controlToken });
    const viaContract = await transport.call('hardwareHistory', { since: ats[ats.length - 1]! });
    expect(viaContract.ok).toBe(true);
    if (viaContract.ok) expect(viaContract.data.samples.every((s) => s.at > ats[ats.length - 1]!)).toBe(true);
  }, 60_000);

  it('refuses a `since` that is not a time, OpenAI-shaped', async () => {
    const res = await t.controlFetch('/homeport/v1/hardware/history?since=yesterday');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: 'since', code: 'invalid_since', type: 'invalid_request_error' } });
  });
});
