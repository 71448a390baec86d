import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { testModel } from '../support/models.js';
import { isAlive } from '../support/processes.js';
import { doubleBin, freePort, spawnDouble, waitForHttp, type RunningDouble } from '../fixtures/doubles/harness.js';
import type { SupervisorEvent } from '../../main/runtimes/types.js';

/** POST `path` exactly as written on a fresh socket; resolves with the response status. */
function rawPost(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    socket.on('connect', () =>
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`),
    );
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/**
 * One engine, three kinds of runtime: the real embedded llama.cpp, an Ollama
 * that was already running (a protocol double Homeport attaches to), and a
 * llama-server (double) Homeport spawns on demand. Routing is by model id.
 */
describe('embedded + attached Ollama + spawned llama-server in one engine', () => {
  let t: TestEngine;
  let ollama: RunningDouble;
  let ollamaRecord: string;
  let llamaRecord: string;
  let ollamaPort: number;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-mixed-'));
    ollamaRecord = join(dir, 'ollama.jsonl');
    llamaRecord = join(dir, 'llama.jsonl');
    ollamaPort = await freePort();
    ollama = spawnDouble('ollama', ['serve'], {
      env: { OLLAMA_HOST: `127.0.0.1:${ollamaPort}`, HOMEPORT_DOUBLE_MODELS: JSON.stringify([{ name: 'llama3.2:latest' }]), HOMEPORT_DOUBLE_RECORD: ollamaRecord },
    });
    await waitForHttp(`http://127.0.0.1:${ollamaPort}/`, { deadlineMs: 30_000 });
    process.env.HOMEPORT_DOUBLE_RECORD = llamaRecord; // inherited by the llama-server Homeport spawns
    t = await startTestEngine({
      config: {
        runtimes: {
          ollama: { mode: 'attach', url: `http://127.0.0.1:${ollamaPort}` },
          llamaServer: { mode: 'spawn', path: doubleBin('llama-server') },
          llamaServerModels: [{ path: testModel('stories260K.gguf'), id: 'tiny', ctx: 512, parallel: 2 }],
          lmstudio: { mode: 'off' },
          vllm: { mode: 'off' },
        },
      },
    });
  });
  afterAll(async () => {
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    await t?.engine.stop();
    await ollama?.stop();
  });

  it('lists every model across runtimes with owned_by naming the runtime', async () => {
    const page = await t.client.models.list();
    const owners = Object.fromEntries(page.data.map((m) => [m.id, m.owned_by]));
    expect(owners).toEqual({ stories260k: 'homeport-embedded', 'ollama/llama3.2:latest': 'ollama', 'llama-server/tiny': 'llama-server' });
  });

  it('routes by model id: embedded, attached Ollama (model name mapped), spawned llama-server', async () => {
    const embedded = await t.client.chat.completions.create({ model: 'stories260k', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }).withResponse();
    expect(embedded.response.headers.get('x-homeport-route')).toContain('runtime=embedded:stories260k');

    const viaOllama = await t.client.chat.completions.create({ model: 'ollama/llama3.2:latest', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(viaOllama.response.headers.get('x-homeport-route')).toContain('model=ollama/llama3.2:latest');
    expect(viaOllama.data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const ollamaSaw = (await readFile(ollamaRecord, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path?: string; body?: { model?: string } });
    expect(ollamaSaw.some((r) => r.path === '/v1/chat/completions' && r.body?.model === 'llama3.2:latest')).toBe(true);
  });

  it('starts the llama-server on demand: one spawn for 10 concurrent cold requests', async () => {
    const runtime = t.engine.runtimes.find((r) => r.kind === 'llama-server')!;
    expect(runtime.snapshot().state).toBe('stopped');
    const starts: SupervisorEvent[] = [];
    const off = runtime.subscribe((e) => e.type === 'state' && e.to === 'starting' && starts.push(e));
    const replies = await Promise.all(Array.from({ length: 10 }, () => t.client.chat.completions.create({ model: 'llama-server/tiny', messages: [{ role: 'user', content: 'Hi' }] })));
    off();
    expect(replies.every((r) => (r.choices[0]?.message.content?.length ?? 0) > 0)).toBe(true);
    expect(starts).toHaveLength(1);
    // Detection ran `llama-server --version` once; the rest are launches.
    const argvLines = (await readFile(llamaRecord, 'utf8')).split('\n').filter((l) => l.includes('"argv"') && !l.includes('--version'));
    expect(argvLines).toHaveLength(1);
    const argv = (JSON.parse(argvLines[0]!) as { argv: string[] }).argv;
    expect(argv).toEqual(expect.arrayContaining(['-m', testModel('stories260K.gguf'), '--host', '127.0.0.1', '-c', '1024', '-np', '2']));
    expect(argv.join(' ')).not.toMatch(/--api-key/);
  });

  it('a spawned llama-server without embeddings: the 501 says what to change in Homeport, not a flag to pass', async () => {
    const res = await fetch(`${t.origin}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama-server/tiny', input: 'hello' }) });
    expect(res.status).toBe(501);
    const body = (await res.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error.code).toBe('endpoint_not_served');
    expect(body.error.type).toBe('server_error');
    expect(body.error.message).toContain('"embeddings": true');
    expect(body.error.message).toContain('runtimes.llamaServerModels');
    // A refusal that is not about an unserved endpoint passes through as the runtime sent it.
    const bad = await fetch(`${t.origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'llama-server/tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 4 }) });
    expect(bad.status).toBe(200);
    await bad.text();
  });

  it('never forwards management paths to a runtime (request lines sent raw: fetch would normalise them)', async () => {
    const port = Number(new URL(t.origin).port);
    for (const path of ['/api/pull', '/api/delete', '/api/create', '/v1/../api/pull', '/v1/%2e%2e/api/pull', '/slots', '/props', '/v1/../slots']) {
      const status = await rawPost(port, path, '{"model":"llama3.2:latest","name":"homeport-mixed-probe"}');
      expect(status, path).toBeGreaterThanOrEqual(400);
      expect(status, path).toBeLessThan(500);
    }
    for (const file of [ollamaRecord, llamaRecord]) {
      const saw = await readFile(file, 'utf8').catch(() => '');
      expect(saw).not.toContain('homeport-mixed-probe');
      expect(saw).not.toContain('/api/pull');
      expect(saw).not.toContain('"/slots');
    }
  });

  it('stopping the engine stops the spawned llama-server and leaves the attached Ollama running', async () => {
    const llamaPid = t.engine.runtimes.find((r) => r.kind === 'llama-server')!.snapshot().pid!;
    expect(isAlive(llamaPid)).toBe(true);
    await t.engine.stop();
    expect(isAlive(llamaPid)).toBe(false);
    expect(isAlive(ollama.pid)).toBe(true);
    expect(await (await fetch(`http://127.0.0.1:${ollamaPort}/`)).text()).toBe('Ollama is running');
  });
});
