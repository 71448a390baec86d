import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp } from '../../fixtures/doubles/harness.js';
import { readRecord } from '../../fixtures/doubles/record.js';
import { DOUBLE_VERSIONS } from '../../fixtures/doubles/versions.js';

afterEach(killAllDoubles);

async function startVllm(args: readonly string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const double = spawnDouble('vllm', ['serve', 'org/tiny-model', '--host', '127.0.0.1', '--port', String(port), ...args], { env });
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`);
  return { double, base };
}

describe('vllm double: command line', () => {
  it('prints the bare version', async () => {
    const result = await runDouble('vllm', ['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${DOUBLE_VERSIONS.vllm}\n` });
  });

  it('rejects unknown flags and bad values argparse-style with exit 2', async () => {
    const unknown = await runDouble('vllm', ['serve', 'm', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^usage: vllm .*\nvllm: error: unrecognized arguments: --no-such-flag\n$/);

    const badPort = await runDouble('vllm', ['serve', 'm', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toBe("usage: vllm serve [model_tag] [options]\nvllm serve: error: argument --port: invalid int value: 'eighty'\n");
  });
});

describe('vllm double: HTTP', () => {
  it('refuses connections while loading, then answers /health 200 with an empty body', async () => {
    const port = await freePort();
    spawnDouble('vllm', ['serve', 'm', '--host', '127.0.0.1', '--port', String(port)], { env: { HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '2000' } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    const ready = await waitForHttp(`http://127.0.0.1:${port}/health`);
    expect(await ready.text()).toBe('');
    expect(await (await fetch(`http://127.0.0.1:${port}/version`)).json()).toEqual({ version: DOUBLE_VERSIONS.vllm });
  });

  it('guards only /v1 with --api-key and lists served names with max_model_len', async () => {
    const { base } = await startVllm(['--api-key', 'k', '--served-model-name', 'tiny', 'tiny-alias', '--max-model-len', '4k']);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/version`)).status).toBe(200);
    const denied = await fetch(`${base}/v1/models`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: 'Unauthorized' });
    const models = (await (await fetch(`${base}/v1/models`, { headers: { Authorization: 'Bearer k' } })).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.map((m) => m.id)).toEqual(['tiny', 'tiny-alias']);
    expect(models.data[0]).toMatchObject({ owned_by: 'vllm', root: 'org/tiny-model', parent: null, max_model_len: 4000 });
  });

  it('streams chat to the openai SDK and rejects an unknown model and an over-long request', async () => {
    const { base } = await startVllm(['--max-model-len', '64'], { VLLM_API_KEY: 'env-key' });
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'env-key' });
    const stream = await client.chat.completions.create({ model: 'org/tiny-model', messages: [{ role: 'user', content: 'hello' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usageSeen = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageSeen = true;
    }
    expect(text).toBe('Hello from the vllm double. Model org/tiny-model read 2 prompt tokens.');
    expect(usageSeen).toBe(true);

    await expect(client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 404,
      error: { message: 'The model `other` does not exist.', type: 'NotFoundError', param: 'model', code: 404 },
    });
    const tooLong = await fetch(`${base}/v1/completions`, { method: 'POST', headers: { Authorization: 'Bearer env-key' }, body: JSON.stringify({ model: 'org/tiny-model', prompt: 'x', max_tokens: 100 }) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { param: string; message: string } }).error).toMatchObject({ param: 'input_tokens', message: expect.stringContaining("This model's maximum context length is 64 tokens.") });
    expect((await fetch(`${base}/v1/embeddings`, { method: 'POST', headers: { Authorization: 'Bearer env-key' }, body: '{}' })).status).toBe(404);
  });
});

describe('vllm double: knobs and signals', () => {
  it('records, crashes on cue, exits 0 on SIGTERM and can ignore it', async () => {
    const record = path.join(mkdtempSync(path.join(tmpdir(), 'vllm-double-')), 'record.jsonl');
    const { double, base } = await startVllm(['--gpu-memory-utilization', '0.5'], { HOMEPORT_DOUBLE_RECORD: record, HOMEPORT_DOUBLE_CRASH_AFTER: '1' });
    await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
    expect(await double.exited).toEqual({ code: 1, signal: null });
    const entries = readRecord(record);
    expect(entries[0]).toMatchObject({ kind: 'start', argv: expect.arrayContaining(['serve', 'org/tiny-model', '--gpu-memory-utilization', '0.5']) });
    expect(entries.some((e) => e.kind === 'request' && e.path === '/v1/chat/completions')).toBe(true);

    const { double: polite } = await startVllm([]);
    expect(await polite.stop()).toEqual({ code: 0, signal: null });

    const { double: stubborn, base: stubbornBase } = await startVllm([], { HOMEPORT_DOUBLE_IGNORE_SIGTERM: '1' });
    stubborn.child.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (!stubborn.stderr().includes('ignoring SIGTERM') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${stubbornBase}/health`)).status).toBe(200);
  });
});
