/**
 * AttachedRuntime against a running Ollama double that the test started
 * itself (Homeport did not start it, so Homeport must never stop it).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ollamaAdapter } from '../../../main/runtimes/external/adapters/ollama.js';
import { AttachedRuntime } from '../../../main/runtimes/external/attached.js';
import { RuntimeFailedError } from '../../../main/runtimes/types.js';
import type { RuntimeEvent } from '../../../main/runtimes/types.js';
import { freePort, killAllDoubles, spawnDouble, waitForHttp } from '../../fixtures/doubles/harness.js';
import { isAlive, removeTempDirs, waitFor } from './fleet/support.js';

const handles: AttachedRuntime[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => handle.stop()));
  await killAllDoubles();
});
afterAll(removeTempDirs);

async function runningOllama() {
  const port = await freePort();
  const double = spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
  await waitForHttp(`http://127.0.0.1:${port}/`);
  return { double, port, url: `http://127.0.0.1:${port}` };
}

function attach(url: string, overrides: Partial<ConstructorParameters<typeof AttachedRuntime>[0]> = {}) {
  const events: RuntimeEvent[] = [];
  const handle = new AttachedRuntime({ id: 'ollama', kind: 'ollama', displayName: 'Ollama', baseUrl: url, health: ollamaAdapter.health, ...overrides });
  handle.subscribe((event) => events.push(event));
  handles.push(handle);
  const transitions = () => events.flatMap((e) => (e.type === 'state' ? [`${e.from}->${e.to}`] : []));
  return { handle, events, transitions };
}

describe('AttachedRuntime', () => {
  it('is ready while the server answers, has no pid, and stop() leaves the server running', async () => {
    const { double, port, url } = await runningOllama();
    const { handle, transitions } = attach(url);
    expect(handle.snapshot()).toMatchObject({ state: 'stopped', pid: null, kind: 'ollama' });

    const endpoint = await handle.ensureReady({ deadlineMs: 5_000 });
    expect(endpoint).toEqual({ baseUrl: url, hostname: '127.0.0.1', port, headers: {} });
    expect(handle.snapshot()).toMatchObject({ id: 'ollama', kind: 'ollama', state: 'ready', pid: null, port, baseUrl: url, lastError: null });
    expect(transitions()).toEqual(['stopped->starting', 'starting->ready']);
    // Fresh check cached: the same promise, no new request.
    expect(handle.ensureReady({ deadlineMs: 5_000 })).toBe(handle.ensureReady({ deadlineMs: 5_000 }));

    await handle.stop();
    expect(handle.snapshot().state).toBe('stopped');
    expect(transitions().slice(-2)).toEqual(['ready->stopping', 'stopping->stopped']);
    expect(isAlive(double.pid)).toBe(true);
    const answer = await fetch(`${url}/`);
    expect(await answer.text()).toBe('Ollama is running');

    // Used again after stop(): just a health check, the server was never touched.
    await handle.start();
    expect(handle.snapshot().state).toBe('ready');
  });

  it('fails with a readable reason when the server goes away, and recovers when it is back', async () => {
    const { double, port, url } = await runningOllama();
    const { handle, transitions } = attach(url, { cacheMs: 0, watchIntervalMs: 100 });
    await handle.ensureReady({ deadlineMs: 5_000 });

    await double.stop({ signal: 'SIGKILL' });
    // The watch notices on its own, without any request.
    await waitFor(() => handle.snapshot().state === 'failed', 5_000, 'the watch to notice');
    const reason = `Ollama at 127.0.0.1:${port} stopped answering (connection refused); start it again or let Homeport start it`;
    expect(handle.snapshot().lastError).toBe(reason);
    const failure = await handle.ensureReady({ deadlineMs: 5_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RuntimeFailedError);
    expect((failure as Error).message).toContain(`Ollama at 127.0.0.1:${port} does not answer (connection refused)`);

    // The user starts it again: the next request finds it, no action in Homeport needed.
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    await waitForHttp(`${url}/`);
    await expect(handle.ensureReady({ deadlineMs: 5_000 })).resolves.toMatchObject({ port });
    expect(transitions()).toEqual(['stopped->starting', 'starting->ready', 'ready->failed', 'failed->ready']);
  });
});
