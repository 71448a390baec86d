/**
 * Through the real engine: an app that only sends non-streamed requests
 * still gets a measured decode speed in the engine's status (the gateway
 * hands the runtime's usage, with its completion_time, to the metrics).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../main/control/status.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let t: TestEngine;
beforeAll(async () => {
  t = await startTestEngine();
});
afterAll(async () => {
  await t?.engine.stop();
});

describe('decode speed from non-streamed requests, through the engine', () => {
  it('a non-streamed chat completion records a decode rate for its model', async () => {
    const before = (await (await t.controlFetch('/homeport/v1/status')).json()) as EngineStatus;
    expect(before.models.find((m) => m.model === t.modelId)?.decodeTokPerSec.last ?? null).toBeNull();

    const completion = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 24, temperature: 0 });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(1);

    const after = (await (await t.controlFetch('/homeport/v1/status')).json()) as EngineStatus;
    const metrics = after.models.find((m) => m.model === t.modelId);
    expect(metrics?.requests).toBe(1);
    expect(metrics?.decodeTokPerSec.last).toBeGreaterThan(0);
  });
});
