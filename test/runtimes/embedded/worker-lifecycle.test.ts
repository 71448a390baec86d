/**
 * The embedded worker's process behaviour: the bounded queue, the context
 * limit, loading and shutdown, bad launches, and never outliving its parent.
 * Real processes, real model (stories260K).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../support/processes.js';
import { embeddedLaunchPlan, resolveWorkerEntry } from '../../../main/runtimes/embedded/launch-plan.js';
import { EXIT_MODEL_UNUSABLE } from '../../../main/runtimes/embedded/exit-codes.js';
import {
  eventually,
  freePort,
  health,
  postJson,
  requireModel,
  sleep,
  spawnWorker,
  startWorker,
  STORIES_MODEL,
  waitReady,
  type RunningWorker,
  type TextCompletion,
} from './worker-process.js';

/** A streamed request kept open until close(); `started` resolves with the first bytes of the body. */
function openStream(worker: RunningWorker, body: object): { started: Promise<void>; close: () => void } {
  let close = (): void => undefined;
  const started = new Promise<void>((resolve, reject) => {
    const req = request(`${worker.baseUrl}/v1/completions`, { method: 'POST', headers: { ...worker.headers, 'Content-Type': 'application/json' } }, (res) => {
      res.once('data', () => resolve());
    });
    close = () => req.destroy();
    req.on('error', () => undefined);
    req.once('error', reject);
    req.end(JSON.stringify({ stream: true, ...body }));
  });
  started.catch(() => undefined);
  return { started, close: () => close() };
}


describe('embedded worker with one slot and a queue of one', () => {
  let worker: RunningWorker;
  const longStory = { prompt: 'Once upon a time', temperature: 0 }; // no max_tokens: ~2000 tokens

  beforeAll(async () => {
    worker = await startWorker({ parallel: 1, queue: 1 });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  it('queues one request, refuses the next with 429 + Retry-After, and drops a queued client that leaves', async () => {
    const first = openStream(worker, longStory);
    await first.started;
    expect(await health(worker)).toMatchObject({ slots: { total: 1, busy: 1 }, queued: 0 });

    const second = openStream(worker, longStory);
    await eventually(async () => expect((await health(worker)).queued).toBe(1));

    const third = await postJson(worker, '/v1/completions', { prompt: 'Hi', max_tokens: 2 });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.json.error).toMatchObject({ code: 'queue_full', param: null });

    second.close();
    await eventually(async () => expect(await health(worker)).toMatchObject({ slots: { busy: 1 }, queued: 0 }));
    first.close();
    await eventually(async () => expect(await health(worker)).toMatchObject({ slots: { busy: 0 }, queued: 0 }));

    const after = await postJson<TextCompletion>(worker, '/v1/completions', { prompt: 'Hi', max_tokens: 2 });
    expect(after.status).toBe(200);
  });

  it('stops with finish_reason length when the context is full', async () => {
    // "dog " x 990 is 1982 prompt tokens on this vocabulary; the rest of the 2048-token context is generated.
    const res = await postJson<TextCompletion>(worker, '/v1/completions', { prompt: 'dog '.repeat(990), temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.json.choices[0]!.finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBeGreaterThan(0);
    expect(res.json.usage.total_tokens).toBe(2048);
  });
});

describe('embedded worker process lifecycle', () => {
  it('answers 503 while loading, then serves; SIGTERM ends a live stream and exits 0 promptly', async () => {
    requireModel();
    const worker = await spawnWorker();
    try {
      // Poll until the port answers; the model loads after the port is bound.
      let loadingHealth: { status: number; body: unknown } | undefined;
      let loadingChat: { status: number; body: unknown } | undefined;
      for (let i = 0; i < 2000 && loadingHealth === undefined; i++) {
        const res = await fetch(`${worker.baseUrl}/health`, { headers: worker.headers }).catch(() => undefined);
        if (res === undefined) {
          await sleep(10);
          continue;
        }
        const body: unknown = await res.json();
        if (res.status === 200) break;
        loadingHealth = { status: res.status, body };
        const chat = await postJson(worker, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
        loadingChat = { status: chat.status, body: chat.json };
      }
      expect(loadingHealth).toEqual({ status: 503, body: { status: 'loading' } });
      // Unless loading finished in between the two requests, /v1 says so too.
      if (loadingChat?.status !== 200) {
        expect(loadingChat).toEqual({
          status: 503,
          body: { error: { message: 'Model is loading', type: 'server_error', param: null, code: 'model_loading' } },
        });
      }
      await waitReady(worker);

      const stream = fetch(`${worker.baseUrl}/v1/completions`, {
        method: 'POST',
        headers: { ...worker.headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ prompt: 'Once upon a time', temperature: 0, stream: true }),
      })
        .then((res) => res.text())
        .catch((error: unknown) => `stream failed: ${String(error)}`);
      await eventually(async () => expect((await health(worker)).slots.busy).toBe(1));

      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await worker.exited();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(3_000);
      const text = await stream;
      expect(text).toContain('"code":"shutting_down"');
      expect(text).not.toContain('[DONE]');
    } finally {
      await worker.stop();
    }
  });

  it('exits 65 (model unusable: no restart) with a message when the model file does not exist', async () => {
    const worker = await spawnWorker({ modelPath: '/nonexistent/model.gguf' });
    expect(await worker.exited()).toEqual({ code: EXIT_MODEL_UNUSABLE, signal: null });
    expect(worker.stderr()).toMatch(/cannot read the model file \/nonexistent\/model\.gguf/);
  });

  it('exits 65 with a message when the file is not a GGUF model', async () => {
    const junk = join(tmpdir(), `homeport-not-a-model-${process.pid}.gguf`);
    writeFileSync(junk, 'this is not a gguf file\n'.repeat(100));
    const worker = await spawnWorker({ modelPath: junk });
    expect(await worker.exited()).toEqual({ code: EXIT_MODEL_UNUSABLE, signal: null });
    expect(worker.stderr()).toMatch(/cannot load the model .*Invalid GGUF magic/);
  });

  it('exits 65 saying the file is incomplete when a GGUF model is truncated', async () => {
    const truncated = join(tmpdir(), `homeport-truncated-${process.pid}.gguf`);
    writeFileSync(truncated, readFileSync(STORIES_MODEL).subarray(0, 1000));
    const worker = await spawnWorker({ modelPath: truncated });
    expect(await worker.exited()).toEqual({ code: EXIT_MODEL_UNUSABLE, signal: null });
    expect(worker.stderr()).toMatch(/the file is not a complete GGUF model \(truncated or corrupt\?\)/);
  });

  it('exits 2 on a bad command line', async () => {
    const entry = resolveWorkerEntry();
    const child = spawn(process.execPath, [...entry.nodeArgs, entry.file, '--model', STORIES_MODEL, '--port', '1', '--wat'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/wat/);
    expect(stderr).toMatch(/usage: embedded-worker/);
  });

  it.each(['ipc', 'no-ipc'])('exits when its parent dies (%s)', async (mode) => {
    requireModel();
    const port = await freePort();
    const plan = embeddedLaunchPlan({ modelPath: STORIES_MODEL, port, threads: 1 });
    const fixture = fileURLToPath(new URL('./orphaning-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture, JSON.stringify(plan), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    const workerPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      parent.once('exit', () => reject(new Error('the fixture parent exited early')));
    });
    try {
      await eventually(async () => expect((await fetch(`${plan.baseUrl}/health`, { headers: plan.headers })).status).toBe(200), 60_000);
      parent.kill('SIGKILL');
      await eventually(async () => expect(isAlive(workerPid)).toBe(false), 5_000);
    } finally {
      if (isAlive(workerPid)) process.kill(workerPid, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});
