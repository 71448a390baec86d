import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../fixtures/doubles/harness.js';
import { readRecord } from '../../fixtures/doubles/record.js';
import { DOUBLE_VERSIONS } from '../../fixtures/doubles/versions.js';

afterEach(killAllDoubles);

async function startOllama(env: Record<string, string> = {}) {
  const port = await freePort();
  const double = spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, ...env } });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/`);
  return { double, base, port };
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

interface PsEntry {
  name: string;
  expires_at: string;
  size_vram: number;
  context_length: number;
}

async function ps(base: string): Promise<PsEntry[]> {
  return ((await (await fetch(`${base}/api/ps`)).json()) as { models: PsEntry[] }).models;
}

describe('ollama double: command line', () => {
  it('rejects flags and arguments to `ollama serve` the cobra way', async () => {
    const flag = await runDouble('ollama', ['serve', '--port', '1234']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe('Error: unknown flag: --port\n');
    const shorthand = await runDouble('ollama', ['serve', '-p']);
    expect(shorthand.stderr).toBe("Error: unknown shorthand flag: 'p' in -p\n");
    const positional = await runDouble('ollama', ['serve', 'now']);
    expect(positional.stderr).toBe('Error: accepts 0 arg(s), received 1\n');
  });

  it('`ollama -v` asks the server, and warns when none is running', async () => {
    const port = await freePort();
    const alone = await runDouble('ollama', ['-v'], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toBe(`Warning: could not connect to a running Ollama instance\nWarning: client version is ${DOUBLE_VERSIONS.ollama}\n`);

    const { port: running } = await startOllama();
    const withServer = await runDouble('ollama', ['--version'], { env: { OLLAMA_HOST: `127.0.0.1:${running}` } });
    expect(withServer.stdout).toBe(`ollama version is ${DOUBLE_VERSIONS.ollama}\n`);
  });
});

describe('ollama double: server', () => {
  it('says it is running on GET / once it listens (refusing before)', async () => {
    const port = await freePort();
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '1200' } });
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    const response = await waitForHttp(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('Ollama is running');
    expect(await (await fetch(`http://127.0.0.1:${port}/api/version`)).json()).toEqual({ version: DOUBLE_VERSIONS.ollama });
  });

  it('lists configured models in /api/tags and /v1/models, with data null when there are none', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ollama-double-')), 'models.json');
    writeFileSync(file, JSON.stringify([{ name: 'qwen3:0.6b', sizeBytes: 522_000_000, parameterSize: '0.6B' }, { name: 'all-minilm', type: 'embedding' }]));
    const { base } = await startOllama({ HOMEPORT_DOUBLE_MODELS: file });
    const tags = (await (await fetch(`${base}/api/tags`)).json()) as { models: Array<{ name: string; size: number; details: { parameter_size: string } }> };
    expect(tags.models.map((m) => m.name)).toEqual(['qwen3:0.6b', 'all-minilm:latest']);
    expect(tags.models[0]).toMatchObject({ size: 522_000_000, details: { parameter_size: '0.6B' } });
    const v1 = (await (await fetch(`${base}/v1/models`)).json()) as { data: Array<{ id: string; owned_by: string }> };
    expect(v1.data.map((m) => m.id)).toEqual(['qwen3:0.6b', 'all-minilm:latest']);
    expect(v1.data[0]!.owned_by).toBe('library');

    const { base: empty } = await startOllama({ HOMEPORT_DOUBLE_MODELS: '[]' });
    expect(await (await fetch(`${empty}/v1/models`)).json()).toEqual({ object: 'list', data: null });
  });

  it('loads with an empty prompt and unloads with keep_alive 0, reporting /api/ps with expiry and context', async () => {
    const { base } = await startOllama({ OLLAMA_CONTEXT_LENGTH: '8192' });
    const load = await post(`${base}/api/generate`, { model: 'llama3.2' });
    expect(await load.json()).toMatchObject({ model: 'llama3.2', done: true, done_reason: 'load' });
    const [entry] = await ps(base);
    expect(entry).toMatchObject({ name: 'llama3.2:latest', size_vram: 0, context_length: 8192 });
    const minutesLeft = (Date.parse(entry!.expires_at) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(4); // the 5m default
    expect(minutesLeft).toBeLessThanOrEqual(5);

    const unload = await post(`${base}/api/generate`, { model: 'llama3.2', keep_alive: 0 });
    expect(await unload.json()).toMatchObject({ done: true, done_reason: 'unload' });
    // Answered before the memory is freed: still listed for a moment, then gone.
    expect((await ps(base)).map((m) => m.name)).toEqual(['llama3.2:latest']);
    await expect.poll(() => ps(base), { timeout: 5_000, interval: 50 }).toEqual([]);

    const embedLoad = await post(`${base}/api/embed`, { model: 'nomic-embed-text', keep_alive: '10m' });
    expect(await embedLoad.json()).toEqual({ model: 'nomic-embed-text', embeddings: [] });
    const refused = await post(`${base}/api/generate`, { model: 'nomic-embed-text' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: '"nomic-embed-text" does not support generate' });
    const unknown = await post(`${base}/api/generate`, { model: 'missing' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "model 'missing' not found" });
  });

  it('applies keep_alive semantics: durations, seconds, negative = forever, the env default, and expiry', async () => {
    const models = JSON.stringify([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const { base } = await startOllama({ HOMEPORT_DOUBLE_MODELS: models, OLLAMA_KEEP_ALIVE: '3s' });
    await post(`${base}/api/generate`, { model: 'a', keep_alive: -1 });
    await post(`${base}/api/generate`, { model: 'b', keep_alive: 120 });
    await post(`${base}/api/generate`, { model: 'c' }); // env default: 3s
    const entries = await ps(base);
    expect(entries.map((e) => e.name)).toEqual(['a:latest', 'b:latest', 'c:latest']); // latest expiry first
    expect(Date.parse(entries[0]!.expires_at) - Date.now()).toBeGreaterThan(100 * 365 * 24 * 3_600_000);
    const bLeft = Date.parse(entries[1]!.expires_at) - Date.now();
    expect(bLeft).toBeGreaterThan(100_000);
    expect(bLeft).toBeLessThanOrEqual(120_000);

    await waitFor(async () => (await ps(base)).length === 2);
    expect((await ps(base)).map((e) => e.name)).toEqual(['a:latest', 'b:latest']);

    const bad = await post(`${base}/api/generate`, { model: 'a', keep_alive: '5 minutes' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'time: invalid duration "5 minutes"' });
  });

  it('streams pull progress as NDJSON, answers stream:false with one success, and adds the model', async () => {
    const { base } = await startOllama({ HOMEPORT_DOUBLE_PULL_MISSING: 'ghost' });
    const response = await post(`${base}/api/pull`, { model: 'qwen3:0.6b' });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text()).trim().split('\n').map((line) => JSON.parse(line) as { status: string; total?: number; completed?: number; digest?: string });
    expect(lines[0]).toEqual({ status: 'pulling manifest' });
    const layer = lines.filter((l) => l.status.startsWith('pulling ') && l.digest);
    expect(layer[0]!.completed).toBeUndefined();
    expect(layer.some((l) => l.completed === l.total)).toBe(true);
    expect(lines.slice(-4).map((l) => l.status)).toEqual(['verifying sha256 digest', 'writing manifest', 'removing any unused layers', 'success']);
    const tags = (await (await fetch(`${base}/api/tags`)).json()) as { models: Array<{ name: string }> };
    expect(tags.models.map((m) => m.name)).toContain('qwen3:0.6b');

    expect(await (await post(`${base}/api/pull`, { model: 'tinyllama', stream: false })).json()).toEqual({ status: 'success' });
    const missing = await post(`${base}/api/pull`, { model: 'ghost', stream: false });
    expect(missing.status).toBe(500);
    expect(await missing.json()).toEqual({ error: 'pull model manifest: file does not exist' });
  });

  it('serves /v1 chat to the openai SDK, loading the model lazily, with Ollama error shapes', async () => {
    const { base } = await startOllama();
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'ollama' });
    const stream = await client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hello there' }], stream: true });
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.model).toBe('llama3.2');
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello from the ollama double. Model llama3.2:latest read 3 prompt tokens.');
    expect((await ps(base)).map((e) => e.name)).toEqual(['llama3.2:latest']);

    const missing = await post(`${base}/v1/chat/completions`, { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { message: "model 'nope' not found", type: 'not_found_error', param: null, code: null } });

    const embeddings = await client.embeddings.create({ model: 'nomic-embed-text', input: 'vector please' });
    expect(embeddings.data[0]!.embedding).toHaveLength(768);
  });

  it('refuses a non-local Host header with 403 and keeps management endpoints reachable', async () => {
    const { base, port } = await startOllama();
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/tags', headers: { Host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(403);

    expect((await post(`${base}/api/copy`, { source: 'llama3.2', destination: 'copy-of-llama' })).status).toBe(200);
    const deleted = await fetch(`${base}/api/delete`, { method: 'DELETE', body: JSON.stringify({ model: 'copy-of-llama' }) });
    expect(deleted.status).toBe(200);
    expect((await post(`${base}/api/create`, { model: 'made' })).status).toBe(200);
    expect((await post(`${base}/api/push`, { model: 'made' })).status).toBe(200);
    expect((await fetch(`${base}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/api/generate`)).status).toBe(405);
  });
});

describe('ollama double: knobs and signals', () => {
  it('records its environment and requests, crashes on cue, and exits 0 on SIGTERM', async () => {
    const record = path.join(mkdtempSync(path.join(tmpdir(), 'ollama-double-')), 'record.jsonl');
    const { double, base } = await startOllama({ HOMEPORT_DOUBLE_RECORD: record, OLLAMA_NO_CLOUD: '1', HOMEPORT_DOUBLE_CRASH_AFTER: '1' });
    await post(`${base}/api/generate`, { model: 'llama3.2', prompt: 'hi', stream: false });
    expect(await double.exited).toEqual({ code: 1, signal: null });
    const entries = readRecord(record);
    expect(entries[0]).toMatchObject({ kind: 'start', argv: ['serve'], env: { OLLAMA_NO_CLOUD: '1' } });
    expect(entries.find((e) => e.kind === 'request' && e.path === '/api/generate')).toMatchObject({ body: { model: 'llama3.2', prompt: 'hi' } });
    expect(entries.at(-1)).toMatchObject({ kind: 'crash', afterRequests: 1 });

    const { double: polite } = await startOllama();
    expect(await polite.stop()).toEqual({ code: 0, signal: null });
    const { double: stubborn, base: stubbornBase } = await startOllama({ HOMEPORT_DOUBLE_IGNORE_SIGTERM: '1' });
    stubborn.child.kill('SIGTERM');
    await waitFor(() => stubborn.stderr().includes('ignoring SIGTERM'));
    expect((await fetch(`${stubbornBase}/`)).status).toBe(200);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
