import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe } from '../support/serve-process.js';
import { isAlive, waitFor } from '../support/processes.js';
import { testModel } from '../support/models.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { REAPER_TITLE } from '../../main/runtimes/process/group-reaper.js';
import type { EngineStatus } from '../../main/control/status.js';
import { startHubDouble, STORIES_SHA256 } from '../fixtures/hf-hub-double.js';
import { demoModelPath } from '../../main/models/demo/demo-model.js';
import { controlFetch, engineControlToken } from '../support/control-token.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'homeport-serve-'));

async function runtimePid(port: number, dataDir: string): Promise<number> {
  const status = (await (await controlFetch(await engineControlToken(dataDir), `http://127.0.0.1:${port}/homeport/v1/status`)).json()) as EngineStatus;
  const pid = status.runtimes[0]?.pid;
  if (!pid) throw new Error('no runtime pid in status');
  return pid;
}

/** Command lines of the direct children of `pid` (Linux /proc). */
function childCommandLines(pid: number): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      // Gone meanwhile.
    }
  }
  return lines;
}

async function startServing(extra: string[] = []) {
  const port = await allocatePort({ host: '127.0.0.1' });
  const dataDir = await tempDir();
  const serve = runServe(['serve', '--model', testModel('stories260K.gguf'), '--port', String(port), '--threads', '1', '--data-dir', dataDir, ...extra]);
  await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
  return { serve, port, pid: await runtimePid(port, dataDir) };
}

describe('homeport serve (real process)', () => {
  it('prints the base URL and copy-paste snippets for the Python and JS SDKs; Ctrl-C stops everything', async () => {
    const { serve, port, pid } = await startServing();
    const out = serve.stdout();
    expect(out).toContain(`http://127.0.0.1:${port}/v1`);
    expect(out).toContain(`OpenAI(base_url="http://127.0.0.1:${port}/v1"`);
    expect(out).toContain(`new OpenAI({ baseURL: "http://127.0.0.1:${port}/v1"`);
    expect(out).toContain('model="stories260k"');
    expect(isAlive(pid)).toBe(true);
    // The embedded worker starts no processes of its own, so no watchdog process runs beside the engine.
    expect(childCommandLines(serve.child.pid!).filter((line) => line.startsWith(REAPER_TITLE))).toEqual([]);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(pid)).toBe(false);
  });

  it('an upload over the body limit reaches the OpenAI SDK as a 413, and the engine keeps serving', async () => {
    const { serve, port } = await startServing();
    try {
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      // Against a separate process the SDK is still uploading the 9 MiB when the 413 goes out:
      // closing the socket then would reset it and the SDK would only say "Connection error."
      for (let i = 0; i < 3; i++) {
        const err = await client.chat.completions
          .create({ model: 'stories260k', messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] })
          .then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.APIError);
        expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
      }
      const ok = await client.chat.completions.create({ model: 'stories260k', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
      expect(ok.choices).toHaveLength(1);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  it('SIGTERM stops cleanly too', async () => {
    const { serve, pid } = await startServing();
    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('kill -9 of the engine leaves no runtime process behind', async () => {
    const { serve, pid } = await startServing();
    serve.child.kill('SIGKILL');
    await serve.exited;
    expect(await waitFor(() => !isAlive(pid), 5_000)).toBe(true);
  });

  it('a file that is not a usable GGUF model: one try, the reason from the runtime, exit 1', async () => {
    const dir = await tempDir();
    const notGguf = join(dir, 'notes.gguf');
    await writeFile(notGguf, '# not a model\n');
    const serve = runServe(['serve', '--model', notGguf, '--port', String(await allocatePort({ host: '127.0.0.1' })), '--data-dir', dir]);
    expect((await serve.exited).code).toBe(1);
    const stderr = serve.stderr();
    expect(stderr).toContain('cannot start: code 65');
    expect(stderr).toContain('Invalid GGUF magic');
    expect(stderr).toContain('no model can be served');
    expect(stderr).not.toMatch(/restart 1 of/);
  });

  it('with nothing configured or found it serves the bundled demo model and says so on stderr, with how to add a model', async () => {
    const dataDir = await tempDir();
    const port = await allocatePort({ host: '127.0.0.1' });
    const serve = runServe(['serve', '--data-dir', dataDir, '--port', String(port), '--threads', '1']);
    try {
      await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
      expect(serve.stderr()).toContain('serves its bundled demo model "stories260k"');
      expect(serve.stderr()).toContain('--model /path/to/model.gguf');
      expect(serve.stderr()).toContain(join(dataDir, 'models'));
      expect(serve.stdout()).toContain(`stories260k  ←  ${demoModelPath()}`);
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(['stories260k']);
      const listed = await controlFetch(await engineControlToken(dataDir), `http://127.0.0.1:${port}/homeport/v1/models`);
      expect(((await listed.json()) as { data: { demo?: boolean }[] }).data.map((m) => m.demo)).toEqual([true]);
    } finally {
      serve.child.kill('SIGINT');
    }
    expect((await serve.exited).code).toBe(0);
  });

  it('--demo serves the bundled model without a notice, and it answers', async () => {
    const port = await allocatePort({ host: '127.0.0.1' });
    const dataDir = await tempDir();
    const serve = runServe(['serve', '--demo', '--data-dir', dataDir, '--port', String(port), '--threads', '1']);
    try {
      await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
      expect(serve.stdout()).toContain(`stories260k  ←  ${demoModelPath()}`);
      expect(serve.stderr()).not.toContain('bundled demo model');
      // The panel's model list marks it, so it can say what it is.
      const listed = await controlFetch(await engineControlToken(dataDir), `http://127.0.0.1:${port}/homeport/v1/models`);
      expect(((await listed.json()) as { data: { id: string; demo?: boolean }[] }).data).toEqual([expect.objectContaining({ id: 'stories260k', demo: true })]);
      const res = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'stories260k', prompt: 'Once upon a time', max_tokens: 8, temperature: 0 }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ text: string }> }).choices[0]!.text).toContain('there was a little girl');
    } finally {
      serve.child.kill('SIGINT');
    }
    expect((await serve.exited).code).toBe(0);
  });

  it('serves the models folder of the data dir when no --model is given', async () => {
    const dataDir = await tempDir();
    const { mkdir, symlink } = await import('node:fs/promises');
    await mkdir(join(dataDir, 'models'));
    await symlink(testModel('stories260K.gguf'), join(dataDir, 'models', 'tiny.gguf'));
    const port = await allocatePort({ host: '127.0.0.1' });
    const serve = runServe(['serve', '--data-dir', dataDir, '--port', String(port), '--threads', '1']);
    await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
    const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
    // The user's own model is not the demo, though it is the same file's bytes.
    const listed = await controlFetch(await engineControlToken(dataDir), `http://127.0.0.1:${port}/homeport/v1/models`);
    expect(((await listed.json()) as { data: { demo?: boolean }[] }).data.map((m) => m.demo)).toEqual([undefined]);
    serve.child.kill('SIGINT');
    expect((await serve.exited).code).toBe(0);
  });

  it('rejects a config with an unknown key, naming it, and a bad flag with usage', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ port: 5055, modelz: [] }));
    const bad = runServe(['serve', '--config', config, '--data-dir', dir]);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toContain('unknown key "modelz"');

    const flag = runServe(['serve', '--prot', '5000']);
    expect((await flag.exited).code).toBe(2);
    expect(flag.stderr()).toMatch(/Unknown option '--prot'/);
    expect(flag.stderr()).toContain('Usage:');

    const value = runServe(['serve', '--threads', 'many']);
    expect((await value.exited).code).toBe(2);
    expect(value.stderr()).toContain('--threads must be a whole number');
  });

  it('a port already in use is a clear error', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    const port = await allocatePort({ host: '127.0.0.1' });
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const serve = runServe(['serve', '--model', testModel('stories260K.gguf'), '--port', String(port), '--data-dir', await tempDir()]);
      expect((await serve.exited).code).toBe(1);
      expect(serve.stderr()).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('homeport pull downloads a model from the hub (HF_ENDPOINT) and serve then serves it', async () => {
    const hub = await startHubDouble();
    try {
      const dataDir = await tempDir();
      const pull = runServe(['pull', 'ggml-org/tiny-llamas:stories260K.gguf', '--data-dir', dataDir], { HF_ENDPOINT: hub.endpoint });
      expect((await pull.exited).code).toBe(0);
      expect(pull.stdout()).toContain('Serve it with: homeport serve');
      const { createHash } = await import('node:crypto');
      const { readFile } = await import('node:fs/promises');
      const sha = createHash('sha256').update(await readFile(join(dataDir, 'models', 'stories260K.gguf'))).digest('hex');
      expect(sha).toBe(STORIES_SHA256);

      const missing = runServe(['pull', 'ggml-org/no-such-repo', '--data-dir', dataDir], { HF_ENDPOINT: hub.endpoint });
      expect((await missing.exited).code).toBe(1);

      const port = await allocatePort({ host: '127.0.0.1' });
      const serve = runServe(['serve', '--data-dir', dataDir, '--port', String(port), '--threads', '1']);
      await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(['stories260k']);
      serve.child.kill('SIGINT');
      expect((await serve.exited).code).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it('serving the demo model because nothing else is there, it also recommends a starter model that fits this machine', async () => {
    const serve = runServe(['serve', '--data-dir', await tempDir(), '--port', String(await allocatePort({ host: '127.0.0.1' })), '--threads', '1']);
    try {
      await serve.waitForOutput(/Ready: 1 model loaded/, 60_000);
      expect(serve.stderr()).toMatch(/homeport pull [\w.-]+\/[\w.-]+:[\w.-]+\.gguf/);
      expect(serve.stderr()).toContain('Why:');
    } finally {
      serve.child.kill('SIGINT');
    }
    expect((await serve.exited).code).toBe(0);
  });
});
