import { afterEach, describe, expect, it } from 'vitest';
import {
  buildOllamaLaunchPlan,
  buildOllamaLoadRequest,
  buildOllamaPullRequest,
  buildOllamaUnloadRequest,
  judgeOllamaHealth,
  keepAliveSeconds,
  OLLAMA_LOADED_MODELS,
  ollamaAdapter,
  parseOllamaPs,
  parseOllamaPullLine,
  parseOllamaTags,
  parseOllamaVersion,
} from '../../../../main/runtimes/external/adapters/ollama.js';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';

afterEach(killAllDoubles);

describe('ollama launch plan', () => {
  it('runs `ollama serve` configured by environment only', () => {
    expect(buildOllamaLaunchPlan({ port: 9100, contextLength: 8192 })).toEqual({
      command: 'ollama',
      args: ['serve'],
      env: { OLLAMA_HOST: '127.0.0.1:9100', OLLAMA_CONTEXT_LENGTH: '8192', OLLAMA_NO_CLOUD: '1' },
      baseUrl: 'http://127.0.0.1:9100',
      healthPath: '/',
      headers: {},
    });
    const full = buildOllamaLaunchPlan({ port: 9101, contextLength: 4096, keepAlive: { forever: true }, numParallel: 2, maxLoadedModels: 1, modelsDir: '/data/ollama', binaryPath: '/usr/local/bin/ollama' });
    expect(full.command).toBe('/usr/local/bin/ollama');
    expect(full.env).toEqual({
      OLLAMA_HOST: '127.0.0.1:9101',
      OLLAMA_CONTEXT_LENGTH: '4096',
      OLLAMA_NO_CLOUD: '1',
      OLLAMA_KEEP_ALIVE: '-1',
      OLLAMA_NUM_PARALLEL: '2',
      OLLAMA_MAX_LOADED_MODELS: '1',
      OLLAMA_MODELS: '/data/ollama',
    });
    expect(() => buildOllamaLaunchPlan({ port: 9102, contextLength: 0 })).toThrow(RangeError);
  });

  it('expresses keep-alive in whole seconds, -1 for forever', () => {
    expect(keepAliveSeconds({ forever: true })).toBe(-1);
    expect(keepAliveSeconds({ ms: 300_000 })).toBe(300);
    expect(keepAliveSeconds({ ms: 1_500 })).toBe(2);
    expect(keepAliveSeconds({ ms: 0 })).toBe(0);
  });
});

describe('ollama requests and parsers', () => {
  it('builds load, unload and pull requests', () => {
    expect(buildOllamaLoadRequest({ model: 'llama3.2', keepAlive: { ms: 600_000 } })).toEqual({ method: 'POST', path: '/api/generate', body: { model: 'llama3.2', keep_alive: 600 } });
    expect(buildOllamaLoadRequest({ model: 'nomic-embed-text', keepAlive: { forever: true }, embedding: true })).toEqual({ method: 'POST', path: '/api/embed', body: { model: 'nomic-embed-text', keep_alive: -1 } });
    expect(() => buildOllamaLoadRequest({ model: 'x', keepAlive: { ms: 0 } })).toThrow(/unload/);
    expect(buildOllamaUnloadRequest('llama3.2')).toEqual({ method: 'POST', path: '/api/generate', body: { model: 'llama3.2', keep_alive: 0 } });
    expect(buildOllamaPullRequest('qwen3:0.6b')).toEqual({ method: 'POST', path: '/api/pull', body: { model: 'qwen3:0.6b', stream: true } });
  });

  it('reads the installed (client) version from `ollama -v`', () => {
    expect(parseOllamaVersion({ stdout: 'ollama version is 0.12.6\n', stderr: '' })).toEqual({ ok: true, value: '0.12.6' });
    expect(parseOllamaVersion({ stdout: 'ollama version is 0.12.3\nWarning: client version is 0.12.6\n', stderr: '' })).toEqual({ ok: true, value: '0.12.6' });
    expect(parseOllamaVersion({ stdout: 'Warning: could not connect to a running Ollama instance\nWarning: client version is 0.12.6\n', stderr: '' })).toEqual({ ok: true, value: '0.12.6' });
    expect(parseOllamaVersion({ stdout: 'nope', stderr: '' }).ok).toBe(false);
  });

  it('judges health by the text of GET /', () => {
    expect(judgeOllamaHealth({ status: 200, body: 'Ollama is running' }).healthy).toBe(true);
    expect(judgeOllamaHealth({ status: 200, body: 'hello' }).healthy).toBe(false);
    expect(judgeOllamaHealth({ status: 403, body: '' }).reason).toMatch(/Host header/);
  });

  it('parses /api/tags, /api/ps and pull lines', () => {
    expect(parseOllamaTags({ models: [{ name: 'llama3.2:latest', size: 5, details: { family: 'llama' } }] })).toEqual({
      ok: true,
      value: [{ id: 'llama3.2:latest', type: 'unknown', loaded: null, contextLength: null, maxContextLength: null, sizeBytes: 5 }],
    });
    expect(parseOllamaTags({ models: null })).toEqual({ ok: true, value: [] });
    expect(parseOllamaPs({ models: [{ name: 'a:latest', size: 10, size_vram: 4, expires_at: '2030-01-01T00:00:00Z', context_length: 4096 }] })).toEqual({
      ok: true,
      value: [{ id: 'a:latest', expiresAt: Date.UTC(2030, 0, 1), contextLength: 4096, sizeBytes: 10, sizeVramBytes: 4 }],
    });
    expect(parseOllamaPullLine('{"status":"pulling abc","digest":"sha256:abc","total":100,"completed":40}')).toEqual({
      ok: true,
      value: { status: 'pulling abc', digest: 'sha256:abc', totalBytes: 100, completedBytes: 40, done: false, error: null },
    });
    expect(parseOllamaPullLine('{"status":"success"}')).toMatchObject({ ok: true, value: { done: true } });
    expect(parseOllamaPullLine('{"error":"pull model manifest: file does not exist"}')).toMatchObject({ ok: true, value: { error: 'pull model manifest: file does not exist', done: false } });
    expect(parseOllamaPullLine('not json').ok).toBe(false);
  });
});

describe('ollama adapter against its double', () => {
  it('launches, is healthy, loads and unloads with the built requests', async () => {
    const port = await freePort();
    const plan = ollamaAdapter.buildLaunchPlan({ port, contextLength: 2048, keepAlive: { ms: 120_000 } });
    spawnDouble('ollama', plan.args, { env: plan.env });
    const health = await waitForHttp(`${plan.baseUrl}${plan.healthPath}`);
    expect(ollamaAdapter.health.judge({ status: health.status, body: await health.text() }).healthy).toBe(true);

    const send = async (request: { method: string; path: string; body?: unknown }) =>
      fetch(`${plan.baseUrl}${request.path}`, { method: request.method, body: JSON.stringify(request.body) });
    const tags = ollamaAdapter.models.parse(await (await fetch(`${plan.baseUrl}${ollamaAdapter.models.path}`)).json());
    expect(tags).toMatchObject({ ok: true, value: [{ id: 'llama3.2:latest' }, { id: 'nomic-embed-text:latest' }] });

    expect((await send(buildOllamaLoadRequest({ model: 'llama3.2', keepAlive: { ms: 60_000 } }))).status).toBe(200);
    expect((await send(buildOllamaLoadRequest({ model: 'nomic-embed-text', keepAlive: { ms: 120_000 }, embedding: true }))).status).toBe(200);
    const loaded = OLLAMA_LOADED_MODELS.parse(await (await fetch(`${plan.baseUrl}${OLLAMA_LOADED_MODELS.path}`)).json());
    expect(loaded.ok && loaded.value.map((m) => [m.id, m.contextLength])).toEqual([
      ['nomic-embed-text:latest', 2048],
      ['llama3.2:latest', 2048],
    ]);
    await send(buildOllamaUnloadRequest('llama3.2'));
    await send(buildOllamaUnloadRequest('nomic-embed-text'));
    // Ollama answers the unload before the memory is freed (the double keeps the models listed for a moment, as Ollama does).
    const listed = async () => OLLAMA_LOADED_MODELS.parse(await (await fetch(`${plan.baseUrl}${OLLAMA_LOADED_MODELS.path}`)).json());
    const deadline = Date.now() + 10_000;
    let after = await listed();
    while (after.ok && after.value.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await listed();
    }
    expect(after).toEqual({ ok: true, value: [] });

    const pull = await send(buildOllamaPullRequest('qwen3:0.6b'));
    const lines = (await pull.text()).trim().split('\n').map(parseOllamaPullLine);
    expect(lines.every((l) => l.ok)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ ok: true, value: { done: true } });

    const version = await runDouble('ollama', ollamaAdapter.version.args, { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    expect(ollamaAdapter.version.parse(version)).toMatchObject({ ok: true });
  });
});
