/**
 * The fleet as a whole: real detection feeding buildFleet, ids prefixed by
 * runtime and unique, each entry mapped to the name its runtime expects;
 * plus the owner decision (pure) and the config fragment.
 */
import { describe, expect, it } from 'vitest';
import { runtimesConfigSchema, runtimesSectionSchema } from '../../../../main/config/runtimes-schema.js';
import { decideDaemonOwner } from '../../../../main/runtimes/external/daemon/owner.js';
import { detectRuntimes } from '../../../../main/runtimes/external/detect.js';
import { buildFleet, detectionOptionsFor } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { DaemonModelRuntime } from '../../../../main/runtimes/external/daemon/model-runtime.js';
import { Supervisor } from '../../../../main/runtimes/process/supervisor.js';
import { doubleBin, freePort, pathWithDoubles, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { detected, detections, isAlive, stopFleetsAfterEach } from './support.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const fleets = stopFleetsAfterEach();

describe('buildFleet', () => {
  it('gives every model an id prefixed by its runtime, unique, mapped to the name the runtime expects', async () => {
    const port = await freePort();
    const ollamaUrl = `http://127.0.0.1:${port}`;
    spawnDouble('ollama', ['serve'], {
      env: {
        OLLAMA_HOST: `127.0.0.1:${port}`,
        // A cloud model runs on ollama.com: it must not be offered as a local model.
        HOMEPORT_DOUBLE_MODELS: JSON.stringify([{ name: 'llama3.2:latest' }, { name: 'gpt-oss:120b-cloud' }, { name: 'hf.co/bartowski/Qwen2.5-0.5B-GGUF:Q4_K_M' }]),
      },
    });
    await waitForHttp(`${ollamaUrl}/`);
    const nothing = `http://127.0.0.1:${await freePort()}`;
    const config = runtimesConfigSchema.parse({
      llamaServer: { path: doubleBin('llama-server'), url: nothing },
      llamaServerModels: [{ path: MODEL }, { path: MODEL, id: 'tiny' }, { path: MODEL, id: 'tiny' }, { path: '/nonexistent/model.gguf' }],
      ollama: { path: doubleBin('ollama'), url: ollamaUrl },
      lmstudio: { mode: 'off' },
      vllm: { path: doubleBin('vllm'), url: nothing, models: [{ model: 'Qwen/Qwen2.5-0.5B-Instruct' }, { model: 'meta-llama/Llama-3.2-1B', id: 'llama-1b' }] },
    });
    const detection = await detectRuntimes({
      ...detectionOptionsFor(config),
      env: { ...process.env, PATH: pathWithDoubles() },
      timeoutMs: 15_000,
      gpu: { cuda: true },
    });
    expect(detection.ollama).toMatchObject({ running: true, url: ollamaUrl });

    const fleet = await buildFleet({ config, detection, gpu: { cuda: true }, allocatePort: () => allocatePort() });
    fleets.push(fleet);
    expect(fleet.entries.map((e) => [e.id, e.upstreamModel, e.ownedBy])).toEqual([
      ['llama-server/stories260k', 'stories260k', 'llama-server'],
      ['llama-server/tiny', 'tiny', 'llama-server'],
      ['vllm/Qwen/Qwen2.5-0.5B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct', 'vllm'],
      ['vllm/llama-1b', 'llama-1b', 'vllm'],
      ['ollama/llama3.2:latest', 'llama3.2:latest', 'ollama'],
      ['ollama/hf.co/bartowski/Qwen2.5-0.5B-GGUF:Q4_K_M', 'hf.co/bartowski/Qwen2.5-0.5B-GGUF:Q4_K_M', 'ollama'],
    ]);
    expect(new Set(fleet.entries.map((e) => e.id)).size).toBe(fleet.entries.length);
    expect(new Set(fleet.entries.map((e) => e.runtime)).size).toBe(fleet.entries.length);
    expect(fleet.entries.every((e) => e.canUnload)).toBe(true);
    for (const entry of fleet.entries) {
      expect(entry.runtime.id).toBe(entry.id);
      expect(entry.runtime).toBeInstanceOf(entry.ownedBy === 'ollama' ? DaemonModelRuntime : Supervisor);
    }
    expect(fleet.unavailable).toEqual([
      { runtime: 'llama-server', model: '/nonexistent/model.gguf', reason: 'model file not found: /nonexistent/model.gguf' },
      { runtime: 'llama-server', model: 'tiny', reason: 'the id "llama-server/tiny" is already used by another model; give it its own id' },
    ]);
    // Spawned ones are stopped on exit; the attached Ollama is flagged so it is never killed.
    expect(fleet.owners.map((o) => [o.kind, o.runtime.id, o.attached])).toEqual([
      ['llama-server', 'llama-server/stories260k', false],
      ['llama-server', 'llama-server/tiny', false],
      ['vllm', 'vllm/Qwen/Qwen2.5-0.5B-Instruct', false],
      ['vllm', 'vllm/llama-1b', false],
      ['ollama', 'ollama', true],
    ]);
  });
});

describe('attached one-model servers', () => {
  it('serve the models of a llama-server that was already running, and never stop it', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = spawnDouble('llama-server', ['-m', MODEL, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-np', '1', '-a', 'already-running']);
    await waitForHttp(`${url}/health`);
    const fleet = await buildFleet({
      config: runtimesConfigSchema.parse({ llamaServer: { mode: 'attach', url }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' } }),
      detection: detections({ 'llama-server': detected('llama-server', { url }) }),
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
    });
    fleets.push(fleet);
    expect(fleet.entries).toEqual([
      expect.objectContaining({ id: 'llama-server/already-running', upstreamModel: 'already-running', ownedBy: 'llama-server', canUnload: false, contextLength: 512 }),
    ]);
    expect(fleet.owners).toEqual([{ kind: 'llama-server', runtime: fleet.entries[0]?.runtime, attached: true }]);
    await expect(fleet.entries[0]!.runtime.ensureReady({ deadlineMs: 5_000 })).resolves.toMatchObject({ baseUrl: url, headers: {} });

    await fleet.stop();
    expect(isAlive(server.pid)).toBe(true);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('decideDaemonOwner', () => {
  const running = detected('ollama', { url: 'http://127.0.0.1:11434' });
  const installedOnly = detected('ollama');
  const neither = detected('ollama', { installed: false });

  it('auto attaches to a running daemon, else starts an installed one, else says why not', () => {
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'auto', detection: running })).toMatchObject({ action: 'attach', url: 'http://127.0.0.1:11434' });
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'auto', detection: installedOnly })).toMatchObject({ action: 'spawn', binaryPath: installedOnly.binaryPath });
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'auto', detection: neither })).toEqual({
      action: 'none',
      reason: `Ollama is neither running at http://127.0.0.1:11434 nor installed (${neither.installedReason})`,
    });
  });

  it('attach never starts one, spawn never attaches, off does nothing', () => {
    expect(decideDaemonOwner({ kind: 'lmstudio', mode: 'attach', detection: detected('lmstudio') }).action).toBe('none');
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'spawn', detection: detected('ollama', { url: 'http://127.0.0.1:11434' }) })).toMatchObject({ action: 'spawn' });
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'spawn', detection: neither }).action).toBe('none');
    expect(decideDaemonOwner({ kind: 'ollama', mode: 'off', detection: running })).toEqual({ action: 'none', reason: 'Ollama is turned off in the settings' });
  });
});

describe('runtimes config fragment', () => {
  it('fills sensible defaults when the section is missing', () => {
    expect(runtimesSectionSchema.parse(undefined)).toEqual({
      llamaServer: { mode: 'auto' },
      llamaServerModels: [],
      ollama: { mode: 'auto' },
      lmstudio: { mode: 'auto' },
      vllm: { mode: 'auto', models: [] },
      redetectSeconds: 30,
    });
  });

  it('rejects typos, non-loopback URLs and bad values, naming the key', () => {
    const problems = (input: unknown) => {
      const result = runtimesConfigSchema.safeParse(input);
      return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
    };
    expect(problems({ ollama: { mdoe: 'auto' } })).toEqual(['ollama']);
    expect(problems({ ollama: { url: 'http://192.168.1.5:11434' } })).toEqual(['ollama.url']);
    expect(problems({ lmstudio: { mode: 'sometimes' } })).toEqual(['lmstudio.mode']);
    expect(problems({ vllm: { models: [{ model: 'x', gpuMemoryUtilization: 1.5 }] } })).toEqual(['vllm.models.0.gpuMemoryUtilization']);
    expect(problems({ llamaServerModels: [{ path: 'a.gguf', ngl: 'most' }] })).toEqual(['llamaServerModels.0.ngl']);
    expect(runtimesConfigSchema.parse({ ollama: { url: 'http://localhost:11434/' } }).ollama.url).toBe('http://localhost:11434');
  });
});
