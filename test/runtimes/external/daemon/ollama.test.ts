/**
 * Ollama models as per-model handles, against the Ollama double: attached to
 * a server the test started (Homeport loads and unloads models but never
 * stops the server), and an `ollama serve` Homeport starts itself.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import type { RuntimesConfigInput } from '../../../../main/config/runtimes-schema.js';
import { DaemonModelRuntime } from '../../../../main/runtimes/external/daemon/model-runtime.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import type { RuntimeDetections } from '../../../../main/runtimes/external/detect.js';
import { freePort, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import type { RecordEntry } from '../../../fixtures/doubles/record.js';
import { detected, detections, isAlive, spawnWithEnv, stopFleetsAfterEach, tempDir, waitFor } from '../fleet/support.js';

const fleets = stopFleetsAfterEach();

type RequestEntry = Extract<RecordEntry, { kind: 'request' }>;
const requests = (file: string, method: string, urlPath: string): RequestEntry[] =>
  readRecord(file).filter((e): e is RequestEntry => e.kind === 'request' && e.method === method && e.path === urlPath);

function config(input: RuntimesConfigInput) {
  return runtimesConfigSchema.parse({ llamaServer: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' }, ...input });
}

async function fleetFor(input: RuntimesConfigInput, detection: RuntimeDetections, env: Record<string, string> = {}): Promise<RuntimeFleet> {
  const fleet = await buildFleet({
    config: config(input),
    detection,
    gpu: { cuda: false },
    allocatePort: () => allocatePort(),
    supervisor: { spawn: spawnWithEnv(env), stopTimeoutMs: 2_000 },
    timing: { daemon: { pollIntervalMs: 50 } },
  });
  fleets.push(fleet);
  return fleet;
}

function modelRuntime(fleet: RuntimeFleet, id: string): DaemonModelRuntime {
  const runtime = fleet.entries.find((e) => e.id === id)?.runtime;
  if (!(runtime instanceof DaemonModelRuntime)) throw new Error(`no daemon model ${id} in ${fleet.entries.map((e) => e.id).join(', ')}`);
  return runtime;
}

async function loadedNames(url: string): Promise<Array<{ name: string; context_length: number }>> {
  const body = (await (await fetch(`${url}/api/ps`)).json()) as { models: Array<{ name: string; context_length: number }> };
  return body.models;
}

describe('Ollama models on an attached server', () => {
  it('loads once for many callers, unloads on stop, and never stops the server', async () => {
    const record = path.join(tempDir('hp-ollama-'), 'record.jsonl');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_RECORD: record } });
    await waitForHttp(`${url}/`);

    const fleet = await fleetFor({ ollama: { mode: 'auto', contextLength: 8192 } }, detections({ ollama: detected('ollama', { url }) }));
    expect(fleet.owners).toEqual([expect.objectContaining({ kind: 'ollama', attached: true })]);
    expect(fleet.entries.map((e) => [e.id, e.upstreamModel, e.ownedBy])).toEqual([
      ['ollama/llama3.2:latest', 'llama3.2:latest', 'ollama'],
      ['ollama/nomic-embed-text:latest', 'nomic-embed-text:latest', 'ollama'],
    ]);
    // Attached, the configured context is not asked for (Ollama's /v1 would undo it): the daemon's own context is reported once loaded.
    expect(fleet.entries[0]).toMatchObject({ sizeBytes: 2_019_393_189 });
    expect(fleet.entries[0]?.contextLength).toBeUndefined();

    const llama = modelRuntime(fleet, 'ollama/llama3.2:latest');
    expect(llama.snapshot()).toMatchObject({ state: 'stopped', pid: null, kind: 'ollama' });
    const endpoints = await Promise.all(Array.from({ length: 10 }, () => llama.ensureReady({ deadlineMs: 10_000 })));
    expect(new Set(endpoints.map((e) => e.baseUrl))).toEqual(new Set([url]));
    const loads = requests(record, 'POST', '/api/generate');
    expect(loads.map((e) => e.body)).toEqual([{ model: 'llama3.2:latest', keep_alive: -1 }]);
    const [loadedLlama] = await loadedNames(url);
    expect(loadedLlama?.name).toBe('llama3.2:latest');
    expect(llama.snapshot().state).toBe('ready');
    expect(llama.loaded()).toMatchObject({ name: 'llama3.2:latest', contextLength: loadedLlama?.context_length });

    // An embedding-only model is refused by /api/generate and loads through /api/embed.
    await modelRuntime(fleet, 'ollama/nomic-embed-text:latest').ensureReady({ deadlineMs: 10_000 });
    expect(requests(record, 'POST', '/api/embed').map((e) => e.body)).toEqual([{ model: 'nomic-embed-text:latest', keep_alive: -1 }]);

    await llama.stop();
    expect(llama.snapshot().state).toBe('stopped');
    expect(requests(record, 'POST', '/api/generate').at(-1)?.body).toEqual({ model: 'llama3.2:latest', keep_alive: 0 });
    expect((await loadedNames(url)).map((m) => m.name)).toEqual(['nomic-embed-text:latest']);

    // Quitting Homeport unloads what it loaded; the server keeps running.
    await fleet.stop();
    expect(await loadedNames(url)).toEqual([]);
    expect(isAlive(server.pid)).toBe(true);
    expect(await (await fetch(`${url}/`)).text()).toBe('Ollama is running');
  });

  it('follows the server: a model loaded by another client is adopted, one unloaded elsewhere goes stopped', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    await waitForHttp(`${url}/`);
    const fleet = await fleetFor({ ollama: { mode: 'attach' } }, detections({ ollama: detected('ollama', { url }) }));
    const llama = modelRuntime(fleet, 'ollama/llama3.2:latest');

    await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', keep_alive: -1 }) });
    await fleet.refresh();
    await waitFor(() => llama.snapshot().state === 'ready', 5_000, 'adoption');
    expect(llama.loadedByHomeport).toBe(false);

    await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', keep_alive: 0 }) });
    // Ollama frees the memory a moment after answering: refresh until the model has left its list.
    await waitFor(async () => (await fleet.refresh(), llama.snapshot().state === 'stopped'), 5_000, 'the unload to be seen');
    expect(llama.snapshot().lastError).toBeNull();
  });
});

describe('Ollama models when the attached server goes away', () => {
  it('fail with the server\'s reason, and load again once the server is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { OLLAMA_HOST: `127.0.0.1:${port}` };
    const first = spawnDouble('ollama', ['serve'], { env });
    await waitForHttp(`${url}/`);
    const fleet = await buildFleet({
      config: config({ ollama: { mode: 'attach' } }),
      detection: detections({ ollama: detected('ollama', { url }) }),
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
      timing: { attachedWatchIntervalMs: 100, daemon: { pollIntervalMs: 50 } },
    });
    fleets.push(fleet);
    const llama = modelRuntime(fleet, 'ollama/llama3.2:latest');
    await llama.ensureReady({ deadlineMs: 10_000 });

    await first.stop({ signal: 'SIGKILL' });
    await waitFor(() => llama.snapshot().state === 'failed', 5_000, 'the model to fail with its server');
    // Refused, reset or closed under a probe in flight (timing decides): the reason says what happened and what to do.
    expect(llama.snapshot().lastError).toMatch(new RegExp(`^Ollama failed: Ollama at 127\\.0\\.0\\.1:${port} stopped answering \\((connection refused|connection reset|the connection was closed)\\); start it again or let Homeport start it$`));
    await expect(llama.ensureReady({ deadlineMs: 5_000 })).rejects.toThrow(`Ollama at 127.0.0.1:${port} does not answer (connection refused)`);

    spawnDouble('ollama', ['serve'], { env });
    await waitForHttp(`${url}/`);
    await llama.ensureReady({ deadlineMs: 10_000 });
    expect(llama.snapshot().state).toBe('ready');
    expect((await loadedNames(url)).map((m) => m.name)).toEqual(['llama3.2:latest']);
  });
});

describe('Ollama started by Homeport', () => {
  it('runs `ollama serve` with exactly the environment Homeport sets, and loads models into it', async () => {
    const record = path.join(tempDir('hp-ollama-'), 'record.jsonl');
    const fleet = await fleetFor({ ollama: { mode: 'spawn', contextLength: 16384 } }, detections({ ollama: detected('ollama') }), { HOMEPORT_DOUBLE_RECORD: record });
    const owner = fleet.owners[0];
    expect(owner).toMatchObject({ kind: 'ollama', attached: false });
    const port = owner?.runtime.snapshot().port;
    expect(owner?.runtime.snapshot().state).toBe('ready');

    const start = readRecord(record).find((e) => e.kind === 'start');
    expect(start).toMatchObject({ runtime: 'ollama', argv: ['serve'] });
    const ollamaEnv = Object.fromEntries(Object.entries(start?.kind === 'start' ? start.env : {}).filter(([name]) => name.startsWith('OLLAMA_')));
    expect(ollamaEnv).toEqual({ OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_CONTEXT_LENGTH: '16384', OLLAMA_NO_CLOUD: '1', OLLAMA_KEEP_ALIVE: '-1' });
    expect(fleet.entries.find((e) => e.id === 'ollama/llama3.2:latest')).toMatchObject({ contextLength: 16384 });

    const llama = modelRuntime(fleet, 'ollama/llama3.2:latest');
    await llama.ensureReady({ deadlineMs: 10_000 });
    // The context comes from OLLAMA_CONTEXT_LENGTH: the load does not ask for one.
    expect(requests(record, 'POST', '/api/generate').map((e) => e.body)).toEqual([{ model: 'llama3.2:latest', keep_alive: -1 }]);
    expect(llama.loaded()).toMatchObject({ contextLength: 16384 });

    const pid = owner?.runtime.snapshot().pid ?? -1;
    await fleet.stop();
    expect(isAlive(pid)).toBe(false);
    expect(llama.snapshot().state).toBe('stopped');
  });
});
