/**
 * A real spare worker process: it answers only guarded requests (key, exact
 * Host, JSON, strict UTF-8) like any worker, refuses an adoption it cannot
 * honour (other threads, its own --port), serves nothing while spare, and once
 * adopted loads the model and answers completions. Plus the pure parts:
 * the spare's command line, the adoption body and the adopt-or-cold policy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveWorkerEntry } from '../../../main/runtimes/embedded/launch-plan.js';
import { newWorkerKey, WORKER_KEY_ENV } from '../../../main/runtimes/embedded/request-guard.js';
import { parseAdoption, parseSpareArgs } from '../../../main/runtimes/embedded/spare-args.js';
import { decideSpareUse } from '../../../main/runtimes/embedded/spare-policy.js';
import { modelFlags } from '../../../main/runtimes/embedded/spare-worker.js';
import { waitUntil } from '../../support/processes.js';
import { freePort, requireModel, STORIES_MODEL } from './worker-process.js';

interface Reply {
  readonly status: number;
  readonly body: string;
}

function send(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let child: ChildProcess | undefined;

/** A real spare worker (one thread) on a free port with its own key; `child` holds it for the clean-up. */
async function startSpare(stdout: 'pipe' | 'ignore'): Promise<{ port: number; key: string; spare: ChildProcess }> {
  const port = await freePort();
  const key = newWorkerKey();
  const entry = resolveWorkerEntry(new URL('../../../main/runtimes/embedded/launch-plan.ts', import.meta.url).href);
  const spare = spawn(process.execPath, [...entry.nodeArgs, entry.file, '--spare', '--port', String(port), '--threads', '1'], {
    env: { ...process.env, [WORKER_KEY_ENV]: key },
    stdio: ['ignore', stdout, 'pipe'],
  });
  child = spare;
  return { port, key, spare };
}
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  }
  child = undefined;
});

describe('a spare worker process', () => {
  it('is guarded like any worker, refuses what it cannot honour, and serves the model once adopted', async () => {
    requireModel();
    const { port, key, spare } = await startSpare('pipe');
    let out = '';
    let err = '';
    spare.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    spare.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const auth = { authorization: `Bearer ${key}`, host: `127.0.0.1:${port}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const adopt = (body: Buffer | string, headers: Record<string, string> = json) => send(port, { method: 'POST', path: '/spare/adopt', headers, body });

    await waitUntil(async () => (await send(port, { path: '/health', headers: auth }).catch(() => null))?.body.includes('"prepared":true') === true, 60_000, `the spare to prepare (stderr: ${err})`);
    expect(JSON.parse((await send(port, { path: '/health', headers: auth })).body)).toMatchObject({ status: 'spare', prepared: true, pid: spare.pid });
    // Nothing is served while spare.
    expect((await send(port, { method: 'POST', path: '/v1/completions', headers: json, body: '{"prompt":"a"}' })).status).toBe(503);

    const good = JSON.stringify({ args: ['--model', STORIES_MODEL, '--model-id', 'tiny', '--parallel', '2', '--ctx', '256', '--threads', '1'] });
    expect((await adopt(good, { ...json, authorization: 'Bearer wrong-key-wrong-key' })).status).toBe(401);
    expect((await adopt(good, { ...json, host: `evil.example:${port}` })).status).toBe(403);
    expect((await adopt(good, { ...auth, 'content-type': 'text/plain' })).status).toBe(415);
    expect((await send(port, { path: '/spare/adopt', headers: auth })).status).toBe(405);
    const badUtf8 = Buffer.concat([Buffer.from('{"args":["--model","'), Buffer.from([0xff, 0xfe]), Buffer.from('"]}')]);
    const utf8 = await adopt(badUtf8);
    expect(utf8.status).toBe(400);
    expect(utf8.body).toContain('UTF-8');
    const threads = await adopt(JSON.stringify({ args: ['--model', STORIES_MODEL, '--threads', '2'] }));
    expect(threads.status).toBe(400);
    expect(JSON.parse(threads.body).error).toMatchObject({ code: 'invalid_adoption', message: 'this spare was prepared with 1 threads, not 2' });
    expect((await adopt(JSON.stringify({ args: ['--model', STORIES_MODEL, '--port', '1'] }))).status).toBe(400);
    // Still a spare after every refusal.
    expect(JSON.parse((await send(port, { path: '/health', headers: auth })).body).status).toBe('spare');

    const adopted = await adopt(good);
    expect(adopted.status).toBe(202);
    expect(JSON.parse(adopted.body)).toEqual({ status: 'adopted', pid: spare.pid });
    // A second adoption finds no spare.
    expect((await adopt(good)).status).toBe(409);
    await waitUntil(async () => (await send(port, { path: '/health', headers: auth })).status === 200, 60_000, `the adopted model to load (stderr: ${err})`);
    expect(JSON.parse((await send(port, { path: '/health', headers: auth })).body)).toMatchObject({ status: 'ok', model: 'tiny', slots: { total: 2 } });
    const completion = await send(port, { method: 'POST', path: '/v1/completions', headers: json, body: JSON.stringify({ prompt: 'Once upon', max_tokens: 3 }) });
    expect(completion.status).toBe(200);
    expect(JSON.parse(completion.body)).toMatchObject({ model: 'tiny', object: 'text_completion' });
    expect(out).toMatch(/homeport-embedded ready model=tiny port=\d+ ctx=256 parallel=2 threads=1 adopted=spare/);
  }, 120_000);

  it('takes its model while node-llama-cpp is still loading, and serves it once loaded', async () => {
    requireModel();
    const { port, key } = await startSpare('ignore');
    const auth = { authorization: `Bearer ${key}`, host: `127.0.0.1:${port}` };
    // The first answer from the port: the spare has not prepared yet.
    await waitUntil(async () => (await send(port, { path: '/health', headers: auth }).catch(() => null)) !== null, 30_000, 'the spare to listen');
    const early = JSON.parse((await send(port, { path: '/health', headers: auth })).body) as { status: string; prepared: boolean };
    expect(early.status).toBe('spare');
    const adopted = await send(port, {
      method: 'POST',
      path: '/spare/adopt',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ args: ['--model', STORIES_MODEL, '--model-id', 'early', '--ctx', '128', '--threads', '1'] }),
    });
    expect(adopted.status).toBe(202);
    await waitUntil(async () => (await send(port, { path: '/health', headers: auth })).status === 200, 60_000, 'the adopted model to load');
    expect(JSON.parse((await send(port, { path: '/health', headers: auth })).body)).toMatchObject({ status: 'ok', model: 'early' });
  }, 90_000);

  it('exits 2 without the per-launch key, as any worker', async () => {
    const entry = resolveWorkerEntry(new URL('../../../main/runtimes/embedded/launch-plan.ts', import.meta.url).href);
    const env = { ...process.env };
    delete env[WORKER_KEY_ENV];
    child = spawn(process.execPath, [...entry.nodeArgs, entry.file, '--spare', '--port', String(await freePort())], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const code = await new Promise((resolve) => child!.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(WORKER_KEY_ENV);
  }, 30_000);
});

describe('spare command line and adoption body', () => {
  const env = { cpuCount: 8 };
  it('parses --spare with port, loopback host and threads, strictly', () => {
    expect(parseSpareArgs(['--spare', '--port', '0', '--threads', '3'], env)).toEqual({ ok: true, options: { host: '127.0.0.1', port: 0, threads: 3 } });
    expect(parseSpareArgs(['--spare'], env).ok).toBe(false);
    expect(parseSpareArgs(['--spare', '--port', '1', '--model', 'x.gguf'], env).ok).toBe(false);
    expect(parseSpareArgs(['--spare', '--port', '1', '--host', '0.0.0.0'], env).ok).toBe(false);
  });

  it('accepts the model flags only, with the spare threads', () => {
    const spare = { host: '127.0.0.1', port: 4000, threads: 2 };
    const ok = parseAdoption({ args: ['--model', '/m.gguf', '--threads', '2', '--parallel', '3'] }, spare, env);
    expect(ok).toMatchObject({ ok: true, options: { modelPath: '/m.gguf', modelId: 'm', port: 4000, host: '127.0.0.1', threads: 2, parallel: 3 } });
    expect(parseAdoption({ args: ['--model', '/m.gguf', '--threads', '4'] }, spare, env)).toEqual({ ok: false, message: 'this spare was prepared with 2 threads, not 4' });
    expect(parseAdoption({ args: ['--model', '/m.gguf', '--threads', '2', '--port=9'] }, spare, env).ok).toBe(false);
    expect(parseAdoption({ args: ['--model', '/m.gguf', '--threads', '2'], extra: 1 }, spare, env).ok).toBe(false);
    expect(parseAdoption({ args: [1] }, spare, env).ok).toBe(false);
    expect(parseAdoption(null, spare, env).ok).toBe(false);
  });

  it('sends the plan model flags without its --port and --host', () => {
    expect(modelFlags(['--import', 'tsx', '/w.ts', '--model', '/m.gguf', '--port', '5', '--host', '127.0.0.1', '--threads', '1'])).toEqual(['--model', '/m.gguf', '--threads', '1']);
  });
});

describe('adopt or spawn cold', () => {
  const live = { pid: 7, threads: 1, reserved: false, exited: null };
  it('adopts only a live, free spare prepared with the same threads', () => {
    expect(decideSpareUse({ enabled: true, spare: live, wanted: { threads: 1 }, lastLoss: null }).action).toBe('adopt');
    expect(decideSpareUse({ enabled: false, spare: live, wanted: { threads: 1 }, lastLoss: null })).toEqual({ action: 'cold', reason: 'the spare worker is turned off (lifecycle.spareWorker: false)' });
    expect(decideSpareUse({ enabled: true, spare: { ...live, reserved: true }, wanted: { threads: 1 }, lastLoss: null }).action).toBe('cold');
    expect(decideSpareUse({ enabled: true, spare: { ...live, exited: 'exited (signal SIGKILL)' }, wanted: { threads: 1 }, lastLoss: null }).action).toBe('cold');
    expect(decideSpareUse({ enabled: true, spare: live, wanted: { threads: 2 }, lastLoss: null }).reason).toBe('the spare worker 7 was prepared with 1 threads, this model starts with 2');
    expect(decideSpareUse({ enabled: true, spare: null, wanted: { threads: 1 }, lastLoss: 'the spare worker 9 exited (code 1) before a model needed it' }).reason).toBe(
      'no spare worker: the spare worker 9 exited (code 1) before a model needed it',
    );
  });
});
