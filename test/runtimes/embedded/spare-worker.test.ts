/**
 * The spare embedded worker, end to end with real processes (stories260K, one
 * thread): an embedded model start adopts the spare prepared in advance, a new
 * spare follows, a spare killed from outside costs nothing but the cold start
 * (which the runtime's log names), the switch turns it off, and the engine's
 * stop leaves no process behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../../support/engine.js';
import { isAlive, waitUntil } from '../../support/processes.js';
import type { RuntimeHandle } from '../../../main/runtimes/types.js';
import { requireModel } from './worker-process.js';

const PREPARE_MS = 60_000;
let running: TestEngine | undefined;

afterEach(async () => {
  await running?.engine.stop();
  running = undefined;
});

async function answer(t: TestEngine): Promise<string> {
  const completion = await t.client.chat.completions.create({ model: t.modelId, messages: [{ role: 'user', content: 'Once' }], max_tokens: 3 });
  return completion.choices[0]?.message.content ?? '';
}

function runtimeOf(t: TestEngine): RuntimeHandle {
  return t.engine.runtimes[0]!;
}

function logText(runtime: RuntimeHandle): string {
  return runtime
    .logs()
    .map((line) => line.line)
    .join('\n');
}

/** Stop the model, then load it on demand with a request; returns the worker pid that served it. */
async function reloadOnDemand(t: TestEngine): Promise<number> {
  await runtimeOf(t).stop();
  expect(runtimeOf(t).snapshot().state).toBe('stopped');
  expect(typeof (await answer(t))).toBe('string');
  const pid = runtimeOf(t).snapshot().pid;
  expect(pid).not.toBeNull();
  return pid!;
}

describe('spare embedded worker', () => {
  it('is adopted by the next model start, is replaced, and nothing outlives the engine', async () => {
    requireModel();
    running = await startTestEngine();
    const t = running;
    const first = runtimeOf(t).snapshot().pid!;
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare1 = t.engine.spareWorker.current()!.pid;
    expect(spare1).not.toBe(first);
    expect(isAlive(spare1)).toBe(true);
    // The spare is no loaded model: the pool still lists the one model only.
    expect(t.engine.runtimes).toHaveLength(1);

    // The spare existed before the load request; the loaded model's worker is that very process.
    const adopted1 = await reloadOnDemand(t);
    expect(adopted1).toBe(spare1);
    expect(logText(runtimeOf(t))).toContain(`adopted the spare worker ${spare1}`);
    expect(isAlive(first)).toBe(false);

    // A new spare is prepared, and the second start adopts it too.
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare2 = t.engine.spareWorker.current()!.pid;
    expect(spare2).not.toBe(spare1);
    const adopted2 = await reloadOnDemand(t);
    expect(adopted2).toBe(spare2);
    expect(isAlive(spare1)).toBe(false);

    // Restart (as after a crash or a settings change) adopts as well.
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare3 = t.engine.spareWorker.current()!.pid;
    await runtimeOf(t).restart();
    expect(runtimeOf(t).snapshot().pid).toBe(spare3);
    expect(await answer(t)).toEqual(expect.any(String));

    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare4 = t.engine.spareWorker.current()!.pid;
    await t.engine.stop();
    running = undefined;
    for (const pid of [first, spare1, spare2, spare3, spare4]) {
      await waitUntil(() => !isAlive(pid), 5_000, `process ${pid} to be gone after the engine stopped`);
    }
    expect(t.engine.spareWorker.current()).toBeNull();
  }, 180_000);

  it('a spare killed from outside is harmless: the next start spawns cold and says why', async () => {
    requireModel();
    running = await startTestEngine();
    const t = running;
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare = t.engine.spareWorker.current()!.pid;
    process.kill(spare, 'SIGKILL');
    await waitUntil(() => !isAlive(spare) && t.engine.spareWorker.current() === null, 5_000, 'the killed spare to be noticed');

    const pid = await reloadOnDemand(t);
    expect(pid).not.toBe(spare);
    expect(logText(runtimeOf(t))).toMatch(new RegExp(`no spare worker: the spare worker ${spare} exited \\(signal SIGKILL\\)[^\\n]*; spawned cold`));
    // Once the cold-started model is ready, a new spare is prepared.
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    expect(t.engine.spareWorker.current()!.pid).not.toBe(spare);
  }, 120_000);

  it('the restart after a crash adopts the spare', async () => {
    requireModel();
    running = await startTestEngine();
    const t = running;
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare = t.engine.spareWorker.current()!.pid;
    const crashed = runtimeOf(t).snapshot().pid!;
    process.kill(crashed, 'SIGKILL');
    await waitUntil(() => runtimeOf(t).snapshot().state === 'ready' && runtimeOf(t).snapshot().pid !== crashed, 60_000, 'the restart after the crash');
    expect(runtimeOf(t).snapshot().pid).toBe(spare);
    expect(runtimeOf(t).snapshot().restarts).toBe(1);
    expect(await answer(t)).toEqual(expect.any(String));
  }, 90_000);

  it('lifecycle.spareWorker: false keeps no spare and every start is cold', async () => {
    requireModel();
    running = await startTestEngine({ config: { lifecycle: { spareWorker: false } } });
    const t = running;
    expect(t.engine.spareWorker.enabled).toBe(false);
    expect(await t.engine.spareWorker.whenPrepared(1_000)).toBe(false);
    const before = runtimeOf(t).snapshot().pid!;
    const pid = await reloadOnDemand(t);
    expect(pid).not.toBe(before);
    expect(t.engine.spareWorker.current()).toBeNull();
    expect(logText(runtimeOf(t))).not.toContain('adopted the spare worker');
  }, 60_000);

  it('a model launched with other threads than the spare spawns cold and says so', async () => {
    requireModel();
    running = await startTestEngine();
    const t = running;
    expect(await t.engine.spareWorker.whenPrepared(PREPARE_MS)).toBe(true);
    const spare = t.engine.spareWorker.current()!;
    expect(spare.threads).toBe(1);
    expect(t.engine.spareWorker.decide(2)).toEqual({ action: 'cold', reason: `the spare worker ${spare.pid} was prepared with 1 threads, this model starts with 2` });
    expect(t.engine.spareWorker.decide(1).action).toBe('adopt');
  }, 90_000);
});
