import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { isAlive, waitFor } from '../support/processes.js';
import { sseData } from '../support/sse.js';

/** Faults with the real engine and the real embedded runtime: a killed runtime, a client that walks away. */
describe('faults', () => {
  let t: TestEngine;
  beforeAll(async () => {
    // A long context so an undisturbed generation lasts seconds, not milliseconds.
    t = await startTestEngine({
      tuning: { ctx: 2048, parallel: 2 },
      // Quick liveness, so a hung runtime is found in seconds here (default: 3 misses of 5 s).
      config: { supervisor: { startDeadlineMs: 60_000, stopTimeoutMs: 3_000, backoff: { initialMs: 100, factor: 2, maxMs: 2_000 }, liveness: { intervalMs: 250, failures: 3, timeoutMs: 1_000 } } },
    });
  });
  afterAll(async () => {
    await t?.engine.stop();
  });

  const runtime = () => t.engine.runtimes[0]!;
  const longStream = (signal?: AbortSignal) =>
    fetch(`${t.engine.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: t.modelId, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 1900, stream: true }),
      signal,
    });

  it('kill -9 of the runtime mid-stream ends the client stream with an error event, then the runtime restarts', async () => {
    const pid = runtime().snapshot().pid!;
    const res = await longStream();
    expect(res.status).toBe(200);
    const events: string[] = [];
    let killedAt = 0;
    for await (const data of sseData(res.body!)) {
      events.push(data);
      if (events.length === 3) {
        killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
      }
    }
    const endedAfterMs = Date.now() - killedAt;
    expect(killedAt).toBeGreaterThan(0);
    expect(endedAfterMs).toBeLessThan(2_000);
    const last = JSON.parse(events.at(-1)!) as { error?: { message: string; type: string; code: string } };
    expect(last.error?.type).toBe('server_error');
    expect(last.error?.message).toContain('embedded:stories260k');
    expect(events).not.toContain('[DONE]');

    // The client can see the socket close a moment before the supervisor sees the exit.
    expect(await waitFor(() => runtime().snapshot().restarts === 1, 5_000)).toBe(true);
    await runtime().ensureReady({ deadlineMs: 30_000 });
    const after = runtime().snapshot();
    expect(after.restarts).toBe(1);
    expect(after.pid).not.toBe(pid);
    const reply = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 });
    expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('a runtime that hangs mid-stream (SIGSTOP) is found by liveness and killed: the stream ends with an error, the next request works', async () => {
    const before = runtime().snapshot();
    const pid = before.pid!;
    const res = await longStream();
    expect(res.status).toBe(200);
    const events: string[] = [];
    let stoppedAt = 0;
    for await (const data of sseData(res.body!)) {
      events.push(data);
      if (events.length === 3) {
        stoppedAt = Date.now();
        process.kill(pid, 'SIGSTOP');
      }
    }
    // 3 misses of up to 1 s, 250 ms apart: found and killed within about 4 s, not left hanging.
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    const last = JSON.parse(events.at(-1)!) as { error?: { type: string } };
    expect(last.error?.type).toBe('server_error');
    expect(events).not.toContain('[DONE]');
    expect(await waitFor(() => !isAlive(pid), 5_000)).toBe(true);
    // The client can see the socket close a moment before the supervisor sees the exit.
    expect(await waitFor(() => runtime().snapshot().restarts === before.restarts + 1, 5_000)).toBe(true);
    await runtime().ensureReady({ deadlineMs: 30_000 });
    expect(runtime().snapshot().lastError).toMatch(/stopped answering health checks/);
    const reply = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 });
    expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('a client that leaves while its model is still loading is recorded as 499, and the model still loads', async () => {
    await runtime().stop();
    const controller = new AbortController();
    const sent = fetch(`${t.engine.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: t.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }),
      signal: controller.signal,
    });
    expect(await waitFor(async () => runtime().snapshot().state === 'starting', 5_000, 5)).toBe(true);
    controller.abort();
    await expect(sent).rejects.toThrow();
    const recorded = await waitFor(async () => {
      const res = await t.controlFetch(`/homeport/v1/requests?model=${encodeURIComponent(t.modelId)}&limit=1`);
      const { records } = (await res.json()) as { records: Array<{ status?: number; error?: string }> };
      return records[0]?.status === 499 && records[0].error === 'The client closed the connection while waiting for the runtime.';
    }, 5_000, 20);
    expect(recorded).toBe(true);
    expect(await waitFor(async () => runtime().snapshot().state === 'ready', 60_000, 20)).toBe(true);
    const reply = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 2 });
    expect(reply.choices).toHaveLength(1);
  });

  it('a client that disconnects mid-stream stops the generation in the runtime', async () => {
    const health = async () => {
      const res = await fetch(`${runtime().snapshot().baseUrl}/health`, { headers: runtime().readyEndpoint?.()?.headers ?? {} });
      return (await res.json()) as { slots: { busy: number } };
    };
    const controller = new AbortController();
    const res = await longStream(controller.signal);
    const reader = sseData(res.body!);
    await reader.next();
    await reader.next();
    expect((await health()).slots.busy).toBe(1);
    const abortedAt = Date.now();
    controller.abort();
    const freed = await waitFor(async () => (await health()).slots.busy === 0, 5_000, 10);
    expect(freed).toBe(true);
    // An undisturbed 1900-token generation takes seconds here; the slot came free long before that.
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(isAlive(runtime().snapshot().pid!)).toBe(true);
  });
});
