import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe, type ServeProcess } from '../support/serve-process.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { doubleBin, freePort, killAllDoubles, spawnDouble, waitForHttp } from '../fixtures/doubles/harness.js';
import { demoModelPath } from '../../main/models/demo/demo-model.js';
import { controlFetch, engineControlToken } from '../support/control-token.js';

/**
 * `homeport serve` as a real process when no model is embedded: every model
 * comes from another runtime (protocol doubles), spawned by Homeport,
 * attached to, or both. Serve must start, print a snippet naming one of
 * those models, and answer through them.
 */

const running: ServeProcess[] = [];

afterEach(async () => {
  for (const serve of running.splice(0)) {
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGTERM');
    await serve.exited;
  }
  await killAllDoubles();
});

const OFF = { mode: 'off' } as const;

async function serveWithConfig(runtimes: Record<string, unknown>, more: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'homeport-serve-ext-'));
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify({ runtimes, ...more }));
  const port = await allocatePort({ host: '127.0.0.1' });
  const serve = runServe(['serve', '--config', config, '--data-dir', dir, '--port', String(port)]);
  running.push(serve);
  await serve.waitForOutput(/Ready: /, 60_000);
  return { serve, port, dataDir: dir };
}

async function chat(port: number, model: string): Promise<{ status: number; content: string; route: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  const body = (await res.json()) as { choices?: Array<{ message: { content: string } }> };
  return { status: res.status, content: body.choices?.[0]?.message.content ?? '', route: res.headers.get('x-homeport-route') };
}

async function listedIds(port: number): Promise<string[]> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
  return body.data.map((m) => m.id).sort();
}

async function startOllamaDouble(): Promise<string> {
  const port = await freePort();
  spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_MODELS: JSON.stringify([{ name: 'llama3.2:latest' }]) } });
  await waitForHttp(`http://127.0.0.1:${port}/`, { deadlineMs: 30_000 });
  return `http://127.0.0.1:${port}`;
}

/**
 * A llama-server (double) with the model `late`, started after Homeport on `port`; returns once the request that
 * missed it before is more than 5 s old (misses look again at most every 5 s, and that miss counts as the last look).
 */
async function startLateLlamaServer(port: number): Promise<void> {
  const missedAt = Date.now();
  spawnDouble('llama-server', ['-m', demoModelPath(), '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-a', 'late']);
  await waitForHttp(`http://127.0.0.1:${port}/health`, { deadlineMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, missedAt + 5_100 - Date.now())));
}

describe('homeport serve with models of other runtimes only (real process, doubles)', () => {
  it('only a llama-server Homeport spawns: starts, prints a snippet for that model, answers through it', async () => {
    const { serve, port } = await serveWithConfig({
      llamaServer: { mode: 'spawn', path: doubleBin('llama-server') },
      llamaServerModels: [{ path: demoModelPath(), id: 'tiny', ctx: 512 }],
      ollama: OFF,
      lmstudio: OFF,
      vllm: OFF,
    });
    expect(serve.stderr()).not.toContain('TypeError');
    expect(serve.stdout()).toContain('model="llama-server/tiny"');
    expect(serve.stdout()).toMatch(/Ready: no model loaded at start; 1 model of other runtimes load on demand/);
    expect(await listedIds(port)).toEqual(['llama-server/tiny']);
    const reply = await chat(port, 'llama-server/tiny');
    expect(reply.status).toBe(200);
    expect(reply.content).toContain('llama-server double');
  });

  it('only an Ollama that was already running (attached): starts and answers through it', async () => {
    const url = await startOllamaDouble();
    const { serve, port } = await serveWithConfig({ ollama: { mode: 'attach', url }, llamaServer: OFF, lmstudio: OFF, vllm: OFF });
    expect(serve.stdout()).toContain('model="ollama/llama3.2:latest"');
    // Ollama's daemon runs, but the model itself is loaded by Ollama on the first request.
    expect(serve.stdout()).toMatch(/ollama\/llama3\.2:latest {2}← {2}\S+ {2}\[loads on demand\]/);
    expect(await listedIds(port)).toEqual(['ollama/llama3.2:latest']);
    const reply = await chat(port, 'ollama/llama3.2:latest');
    expect(reply.status).toBe(200);
    expect(reply.content).toContain('ollama double');
  });

  it('only a llama-server the user already runs (attached): its model is listed as running, not as loading on demand', async () => {
    const port = await freePort();
    spawnDouble('llama-server', ['-m', demoModelPath(), '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-a', 'mine']);
    await waitForHttp(`http://127.0.0.1:${port}/health`, { deadlineMs: 30_000 });
    const { serve, port: gateway, dataDir } = await serveWithConfig({ llamaServer: { mode: 'attach', url: `http://127.0.0.1:${port}` }, ollama: OFF, lmstudio: OFF, vllm: OFF });
    expect(serve.stdout()).toMatch(/llama-server\/mine {2}← {2}\S+ {2}\[running\]/);
    expect(serve.stdout()).toMatch(/Ready: no model loaded at start; 1 model of other runtimes running$/m);
    expect((await chat(gateway, 'llama-server/mine')).status).toBe(200);

    // Homeport did not load it, so it cannot unload it: the list says so and Unload is refused, saying what to do.
    const token = await engineControlToken(dataDir);
    const control = (path: string, init: RequestInit = {}) => controlFetch(token, `http://127.0.0.1:${gateway}/homeport/v1${path}`, init);
    const listed = (await (await control('/models')).json()) as { data: { id: string; state: string; externallyManaged?: boolean }[] };
    expect(listed.data).toEqual([expect.objectContaining({ id: 'llama-server/mine', state: 'loaded', externallyManaged: true })]);
    const unload = await control(`/models/${encodeURIComponent('llama-server/mine')}/unload`, { method: 'POST' });
    expect(unload.status).toBe(409);
    expect(((await unload.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'unload_not_possible', message: expect.stringContaining('Stop that server') });
    const after = (await (await control('/models')).json()) as { data: { state: string }[] };
    expect(after.data[0]!.state).toBe('loaded');
    expect((await chat(gateway, 'llama-server/mine')).status).toBe(200);
  });

  it('a llama-server started after Homeport is served on the first request that names it, without waiting for re-detection', async () => {
    const port = await freePort();
    // redetectSeconds 0: no periodic pass, so only the request itself can find the server.
    const { port: gateway } = await serveWithConfig({ llamaServer: { mode: 'attach', url: `http://127.0.0.1:${port}` }, ollama: OFF, lmstudio: OFF, vllm: OFF, redetectSeconds: 0 });
    const before = await chat(gateway, 'llama-server/late');
    expect(before.status).toBe(404);
    await startLateLlamaServer(port);
    const after = await chat(gateway, 'llama-server/late');
    expect(after.status).toBe(200);
    expect(after.content).toContain('llama-server double');
    expect(await listedIds(gateway)).toContain('llama-server/late');
  });

  it("a route's local target on a llama-server started after Homeport answers on the route's first request after it started", async () => {
    const port = await freePort();
    const { port: gateway } = await serveWithConfig(
      { llamaServer: { mode: 'attach', url: `http://127.0.0.1:${port}` }, ollama: OFF, lmstudio: OFF, vllm: OFF, redetectSeconds: 0 },
      { routes: { chat: { targets: ['local:llama-server/late'], cache: { enabled: false } } } },
    );
    const before = await chat(gateway, 'chat');
    expect(before.status).toBe(503);
    await startLateLlamaServer(port);
    const after = await chat(gateway, 'chat');
    expect(after.status).toBe(200);
    expect(after.route).toBe('route=chat; target=local:llama-server/late; tier=local');
    expect(after.content).toContain('llama-server double');
  });

  it('both an attached Ollama and a spawned llama-server: every model listed and each one answers', async () => {
    const url = await startOllamaDouble();
    const { serve, port } = await serveWithConfig({
      ollama: { mode: 'attach', url },
      llamaServer: { mode: 'spawn', path: doubleBin('llama-server') },
      llamaServerModels: [{ path: demoModelPath(), id: 'tiny', ctx: 512 }],
      lmstudio: OFF,
      vllm: OFF,
    });
    expect(serve.stdout()).toMatch(/2 models of other runtimes load on demand/);
    expect(await listedIds(port)).toEqual(['llama-server/tiny', 'ollama/llama3.2:latest']);
    expect((await chat(port, 'ollama/llama3.2:latest')).content).toContain('ollama double');
    expect((await chat(port, 'llama-server/tiny')).content).toContain('llama-server double');
    serve.child.kill('SIGINT');
    expect((await serve.exited).code).toBe(0);
  });
});
