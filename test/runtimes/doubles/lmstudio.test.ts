import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, runDouble } from '../../fixtures/doubles/harness.js';
import { readRecord } from '../../fixtures/doubles/record.js';
import { DOUBLE_VERSIONS } from '../../fixtures/doubles/versions.js';

const homes: string[] = [];

function newHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), 'lms-double-'));
  homes.push(home);
  return home;
}

/** The LM Studio server double runs detached from `lms`; kill it by the pid it wrote. */
afterEach(() => {
  for (const home of homes.splice(0)) {
    const info = path.join(home, '.internal', 'double-server.json');
    if (!existsSync(info)) continue;
    try {
      process.kill((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function lms(home: string, args: string[], env: Record<string, string> = {}) {
  return runDouble('lms', args, { env: { HOMEPORT_DOUBLE_LMS_HOME: home, ...env } });
}

async function startServer(home: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const started = await lms(home, ['server', 'start', '--port', String(port), '--bind', '127.0.0.1'], env);
  expect(started.stderr).toContain(`Success! Server is now running on port ${port}`);
  expect(started.code).toBe(0);
  return { port, base: `http://127.0.0.1:${port}` };
}

async function psJson(home: string): Promise<Array<{ identifier: string; modelKey: string; contextLength: number; ttlMs: number | null; parallel: number | null }>> {
  const result = await lms(home, ['ps', '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Array<{ identifier: string; modelKey: string; contextLength: number; ttlMs: number | null; parallel: number | null }>;
}

async function waitFor(check: () => Promise<boolean>, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('lms double: command line', () => {
  it('reports its commit hash as the version and rejects bad options commander-style', async () => {
    const home = newHome();
    const version = await lms(home, ['version', '--json']);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout)).toEqual({ version: DOUBLE_VERSIONS.lms });
    expect((await lms(home, ['--version'])).stdout).toBe(`CLI commit: ${DOUBLE_VERSIONS.lms}\n`);

    const unknown = await lms(home, ['load', 'qwen', '--no-such-option']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: unknown option '--no-such-option'\n");
    const badGpu = await lms(home, ['load', 'qwen', '--gpu', '2', '-y']);
    expect(badGpu.stderr).toBe("error: option '--gpu <offload-ratio>' argument '2' is invalid. Number out of range, must be between 0 and 1\n");
    const tooMany = await lms(home, ['unload', 'a', 'b']);
    expect(tooMany.stderr).toBe("error: too many arguments for 'unload'. Expected 1 argument but got 2.\n");
  });

  it('loads, lists and unloads models through the shared state', async () => {
    const home = newHome();
    const ls = JSON.parse((await lms(home, ['ls', '--json'])).stdout) as Array<{ modelKey: string; type: string; maxContextLength: number }>;
    expect(ls.map((m) => [m.modelKey, m.type])).toEqual([
      ['qwen2.5-0.5b-instruct', 'llm'],
      ['text-embedding-nomic-embed-text-v1.5', 'embedding'],
    ]);

    const loaded = await lms(home, ['load', 'qwen2.5-0.5b-instruct', '--identifier', 'chat', '-c', '8192', '--parallel', '2', '--gpu', 'max', '--ttl', '600', '-y']);
    expect(loaded.code).toBe(0);
    expect(loaded.stderr).toContain('To use the model in the API/SDK, use the identifier "chat".');
    expect(await lms(home, ['load', 'qwen', '-y'])).toMatchObject({ code: 0 }); // fuzzy match, default identifier
    expect(await psJson(home)).toMatchObject([
      { identifier: 'chat', modelKey: 'qwen2.5-0.5b-instruct', contextLength: 8192, ttlMs: 600_000, parallel: 2 },
      { identifier: 'qwen2.5-0.5b-instruct', contextLength: 4096, ttlMs: null, parallel: null },
    ]);

    const missing = await lms(home, ['load', 'zzz-nothing', '-y']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No model found that matches model key "zzz-nothing"');

    const unknownUnload = await lms(home, ['unload', 'not-loaded']);
    expect(unknownUnload.code).toBe(0); // the real lms prints the error but exits 0
    expect(unknownUnload.stderr).toContain('Cannot find a model with the identifier "not-loaded"');
    expect((await lms(home, ['unload', 'chat'])).stderr).toBe('Model "chat" unloaded.\n');
    expect((await lms(home, ['unload', '--all'])).stderr).toContain('Unloaded 1 model.');
    expect(await psJson(home)).toEqual([]);
    const nothing = await lms(home, ['unload']);
    expect(nothing.code).toBe(1);
  });

  it('drops an instance once its idle TTL has passed', async () => {
    const home = newHome();
    await lms(home, ['load', 'qwen2.5-0.5b-instruct', '--ttl', '1', '-y']);
    await waitFor(async () => (await psJson(home)).length === 0);
  });
});

describe('lms double: server', () => {
  it('starts, reports status, reuses the last port and stops', async () => {
    const home = newHome();
    expect(JSON.parse((await lms(home, ['server', 'status', '--json'])).stdout)).toEqual({ running: false });
    const { port, base } = await startServer(home);
    expect(JSON.parse((await lms(home, ['server', 'status', '--json'])).stdout)).toEqual({ running: true, port });
    expect(await (await fetch(`${base}/lmstudio-greeting`)).json()).toEqual({ lmstudio: true });

    expect(await lms(home, ['server', 'stop'])).toMatchObject({ code: 0, stderr: `Stopped the server on port ${port}.\n` });
    expect(JSON.parse((await lms(home, ['server', 'status', '--json'])).stdout)).toEqual({ running: false, port });
    expect(await lms(home, ['server', 'stop'])).toMatchObject({ code: 1, stderr: 'Error: The server is not running.\n' });

    const again = await lms(home, ['server', 'start']);
    expect(again.stderr).toContain(`Success! Server is now running on port ${port}`);
  });

  it('serves the LM Studio REST and OpenAI surfaces, loading just in time', async () => {
    const home = newHome();
    const { base } = await startServer(home);

    const v1 = (await (await fetch(`${base}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(v1.data.map((m) => m.id)).toEqual(['qwen2.5-0.5b-instruct', 'text-embedding-nomic-embed-text-v1.5']);
    expect(v1.data[0]).toEqual({ id: 'qwen2.5-0.5b-instruct', object: 'model', owned_by: 'organization_owner' });

    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'lm-studio' });
    const stream = await client.chat.completions.create({ model: 'qwen2.5-0.5b-instruct', messages: [{ role: 'user', content: 'hey' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the lmstudio double. Model qwen2.5-0.5b-instruct read 1 prompt tokens.');
    expect(await psJson(home)).toMatchObject([{ identifier: 'qwen2.5-0.5b-instruct', ttlMs: 3_600_000 }]);

    const v0 = (await (await fetch(`${base}/api/v0/models`)).json()) as { data: Array<{ id: string; state: string; type: string; max_context_length: number }> };
    expect(v0.data).toMatchObject([
      { id: 'qwen2.5-0.5b-instruct', state: 'loaded', type: 'llm', max_context_length: 32768 },
      { id: 'text-embedding-nomic-embed-text-v1.5', state: 'not-loaded', type: 'embeddings' },
    ]);

    const unknownModel = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'ghost', messages: [{ role: 'user', content: 'x' }] }) });
    expect(unknownModel.status).toBe(400);
    expect(((await unknownModel.json()) as { error: { code: string; param: string } }).error).toMatchObject({ code: 'model_not_found', param: 'model' });

    const unknownPath = await fetch(`${base}/chat/completions`, { method: 'POST', body: '{}' });
    expect(unknownPath.status).toBe(200);
    expect(await unknownPath.json()).toEqual({ error: 'Unexpected endpoint or method. (POST /chat/completions)' });

    const load = await fetch(`${base}/api/v1/models/load`, { method: 'POST', body: JSON.stringify({ model: 'text-embedding-nomic-embed-text-v1.5', context_length: 1024 }) });
    expect(await load.json()).toMatchObject({ type: 'embedding', instance_id: 'text-embedding-nomic-embed-text-v1.5', status: 'loaded' });
    const listed = (await (await fetch(`${base}/api/v1/models`)).json()) as { models: Array<{ key: string; loaded_instances: unknown[] }> };
    expect(listed.models[1]).toMatchObject({ key: 'text-embedding-nomic-embed-text-v1.5', loaded_instances: [{ id: 'text-embedding-nomic-embed-text-v1.5', config: { context_length: 1024 } }] });
    const embedded = await client.embeddings.create({ model: 'text-embedding-nomic-embed-text-v1.5', input: 'abc' });
    expect(embedded.data[0]!.embedding).toHaveLength(768);
    const unload = await fetch(`${base}/api/v1/models/unload`, { method: 'POST', body: JSON.stringify({ instance_id: 'text-embedding-nomic-embed-text-v1.5' }) });
    expect(await unload.json()).toEqual({ instance_id: 'text-embedding-nomic-embed-text-v1.5' });
  });

  it('with JIT off lists only loaded models and says none are loaded', async () => {
    const home = newHome();
    const { base } = await startServer(home, { HOMEPORT_DOUBLE_LMS_JIT: '0' });
    expect(await (await fetch(`${base}/v1/models`)).json()).toEqual({ data: [], object: 'list' });
    const none = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5-0.5b-instruct', messages: [{ role: 'user', content: 'x' }] }) });
    expect(none.status).toBe(400);
    expect(await none.json()).toEqual({ error: "No models loaded. Please load a model in the developer page or use the 'lms load' command." });
  });

  it('records the CLI argv and server requests, crashes on cue and can ignore SIGTERM', async () => {
    const home = newHome();
    const record = path.join(home, 'record.jsonl');
    const { base } = await startServer(home, { HOMEPORT_DOUBLE_RECORD: record, HOMEPORT_DOUBLE_CRASH_AFTER: '1', HOMEPORT_DOUBLE_IGNORE_SIGTERM: '1' });
    const entries = () => readRecord(record);
    expect(entries().find((e) => e.kind === 'start' && e.runtime === 'lms')).toMatchObject({ argv: ['server', 'start', '--port', expect.any(String), '--bind', '127.0.0.1'] });
    const server = entries().find((e) => e.kind === 'start' && e.runtime === 'lmstudio-server');
    expect(server).toBeDefined();

    process.kill(server!.pid, 'SIGTERM');
    await waitFor(async () => entries().some((e) => e.kind === 'signal' && e.ignored));
    expect((await fetch(`${base}/lmstudio-greeting`)).status).toBe(200);

    await fetch(`${base}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'qwen2.5-0.5b-instruct', prompt: 'x' }) });
    await waitFor(async () => entries().some((e) => e.kind === 'crash'));
    expect(entries().find((e) => e.kind === 'request' && e.path === '/v1/completions')).toMatchObject({ body: { prompt: 'x' } });
    await waitFor(async () => JSON.parse((await lms(home, ['server', 'status', '--json'])).stdout).running === false);
  });
});
