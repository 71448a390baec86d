import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../fixtures/doubles/harness.js';
import { readRecord } from '../../fixtures/doubles/record.js';
import { DOUBLE_VERSIONS } from '../../fixtures/doubles/versions.js';
import { testModel } from '../../support/models.js';

const MODEL = testModel('stories260K.gguf');

afterEach(killAllDoubles);

function tempFile(name: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'llama-double-')), name);
}

async function startReady(args: readonly string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const double = spawnDouble('llama-server', ['-m', MODEL, '--host', '127.0.0.1', '--port', String(port), ...args], { env });
  await waitForHttp(`http://127.0.0.1:${port}/health`);
  return { double, base: `http://127.0.0.1:${port}` };
}

describe('llama-server double: command line', () => {
  it('prints its version to stderr and exits 0', async () => {
    const result = await runDouble('llama-server', ['--version']);
    const v = DOUBLE_VERSIONS.llamaServer;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`version: ${v.build} (${v.commit})\nbuilt with ${v.compiler} for ${v.target}\n`);
  });

  it('rejects an unknown flag and a flag without its value the way llama.cpp does', async () => {
    const unknown = await runDouble('llama-server', ['-m', MODEL, '--no-such-flag']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: invalid argument: --no-such-flag\n');

    const missing = await runDouble('llama-server', ['-m', MODEL, '--port']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error while handling argument "--port": expected value for argument');

    // `--flag=value` is not llama.cpp syntax.
    const equals = await runDouble('llama-server', ['--port=8080']);
    expect(equals.stderr).toBe('error: invalid argument: --port=8080\n');
  });

  it('binds, then fails and exits 1 when the model file does not exist', async () => {
    const port = await freePort();
    const result = await runDouble('llama-server', ['-m', '/nonexistent/model.gguf', '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`HTTP server is listening, hostname: 127.0.0.1, port: ${port}`);
    expect(result.stderr).toContain('main: exiting due to model loading error');
  });
});

describe('llama-server double: HTTP', () => {
  it('answers 503 Loading model on every path until loaded, then /health 200', async () => {
    const port = await freePort();
    spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)], { env: { HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '1500' } });
    const loading = await waitForHttp(`http://127.0.0.1:${port}/health`, { accept: () => true });
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    const models = await fetch(`http://127.0.0.1:${port}/v1/models`);
    expect(models.status).toBe(503);

    const ready = await waitForHttp(`http://127.0.0.1:${port}/health`);
    expect(await ready.json()).toEqual({ status: 'ok' });
  });

  it('lists the one model by alias (or -m path) with llamacpp ownership and the slot context', async () => {
    const { base } = await startReady(['-c', '2048', '-np', '2', '-a', 'tiny,tiny-2']);
    const body = (await (await fetch(`${base}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ id: 'tiny', object: 'model', owned_by: 'llamacpp', meta: { n_ctx: 1024, n_ctx_train: 4096 } });

    const { base: unaliased } = await startReady([]);
    const plain = (await (await fetch(`${unaliased}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(plain.data[0]!.id).toBe(MODEL);
  });

  it('requires the API key everywhere but /health (Bearer or X-Api-Key), /v1/models included as in current builds', async () => {
    const { base } = await startReady(['--api-key', 'k1,k2']);
    const chat = (headers: Record<string, string>) =>
      fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });

    const denied = await chat({});
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: { code: 401, message: 'Invalid API Key', type: 'authentication_error' } });
    expect((await chat({ Authorization: 'Bearer k2' })).status).toBe(200);
    expect((await chat({ 'X-Api-Key': 'k1' })).status).toBe(200);
    expect((await chat({ Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/v1/models`)).status).toBe(401);
    expect((await fetch(`${base}/v1/models`, { headers: { Authorization: 'Bearer k1' } })).status).toBe(200);
    expect((await fetch(`${base}/slots`)).status).toBe(401);
  });

  it('takes the key from LLAMA_API_KEY when no flag is given', async () => {
    const { base } = await startReady([], { LLAMA_API_KEY: 'from-env' });
    const denied = await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'x' }) });
    expect(denied.status).toBe(401);
    const allowed = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { Authorization: 'Bearer from-env' }, body: JSON.stringify({ prompt: 'x' }) });
    expect(allowed.status).toBe(200);
  });

  it('streams a chat the openai SDK can consume, echoing the loaded model name', async () => {
    const { base } = await startReady(['-a', 'tiny', '--api-key', 'secret']);
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'secret' });
    const stream = await client.chat.completions.create({
      model: 'whatever-the-client-says',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const models = new Set<string>();
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      models.add(chunk.model);
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(models).toEqual(new Set(['tiny']));
    expect(text).toBe('Hello from the llama-server double. Model tiny read 4 prompt tokens.');
    expect(usage?.completion_tokens).toBe(text.split(' ').length);

    const whole = await client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    expect(whole.choices[0]!.message.content).toBe('Hello from the');
    expect(whole.choices[0]!.finish_reason).toBe('length');
  });

  it('rejects a prompt longer than the slot context with exceed_context_size_error', async () => {
    const { base } = await startReady(['-c', '64', '-np', '2']);
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(200) }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 400,
        type: 'exceed_context_size_error',
        message: 'request (50 tokens) exceeds the available context size (32 tokens), try increasing it',
        n_prompt_tokens: 50,
        n_ctx: 32,
      },
    });
  });

  it('serves embeddings only with --embeddings and 404s unknown paths', async () => {
    const { base } = await startReady([]);
    const refused = await fetch(`${base}/v1/embeddings`, { method: 'POST', body: JSON.stringify({ input: 'a' }) });
    expect(refused.status).toBe(501);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('not_supported_error');
    const unknown = await fetch(`${base}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 404, message: 'File Not Found', type: 'not_found_error' } });

    const { base: embedder } = await startReady(['--embeddings', '-a', 'emb']);
    const client = new OpenAI({ baseURL: `${embedder}/v1`, apiKey: 'unused' });
    const result = await client.embeddings.create({ model: 'anything', input: ['one', 'two'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding).toHaveLength(64);
    expect(result.data[0]!.embedding).not.toEqual(result.data[1]!.embedding);
  });
});

describe('llama-server double: knobs and signals', () => {
  it('records argv, environment and each request', async () => {
    const record = tempFile('record.jsonl');
    const { base } = await startReady(['-a', 'tiny'], { HOMEPORT_DOUBLE_RECORD: record, LLAMA_API_KEY: 'abc' });
    await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { Authorization: 'Bearer abc', 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const entries = readRecord(record);
    const start = entries.find((e) => e.kind === 'start');
    expect(start).toMatchObject({ runtime: 'llama-server', argv: expect.arrayContaining(['-m', MODEL, '-a', 'tiny']), env: { LLAMA_API_KEY: 'abc' } });
    const chat = entries.find((e) => e.kind === 'request' && e.path === '/v1/chat/completions');
    expect(chat).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer abc' }, body: { model: 'm' } });

    // A command line the double rejects is recorded too.
    const rejected = tempFile('rejected.jsonl');
    await runDouble('llama-server', ['--bogus'], { env: { HOMEPORT_DOUBLE_RECORD: rejected } });
    expect(readRecord(rejected)).toMatchObject([{ kind: 'start', argv: ['--bogus'] }]);
  });

  it('crashes with exit code 1 after the configured number of inference requests', async () => {
    const { double, base } = await startReady([], { HOMEPORT_DOUBLE_CRASH_AFTER: '2' });
    const ask = () => fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'x' }) });
    expect((await ask()).status).toBe(200);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await ask()).status).toBe(200);
    expect(await double.exited).toEqual({ code: 1, signal: null });
  });

  it('exits 0 on SIGTERM once ready, dies of the signal while loading, and can ignore it', async () => {
    const { double } = await startReady([]);
    expect(await double.stop({ signal: 'SIGTERM' })).toEqual({ code: 0, signal: null });

    const port = await freePort();
    const loading = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)], { env: { HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '60000' } });
    await waitForHttp(`http://127.0.0.1:${port}/health`, { accept: (s) => s === 503 });
    expect(await loading.stop({ signal: 'SIGTERM' })).toEqual({ code: null, signal: 'SIGTERM' });

    const { double: stubborn, base } = await startReady([], { HOMEPORT_DOUBLE_IGNORE_SIGTERM: '1' });
    stubborn.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(stubborn.stderr()).toContain('ignoring SIGTERM');
    expect(await stubborn.stop({ signal: 'SIGKILL' })).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
