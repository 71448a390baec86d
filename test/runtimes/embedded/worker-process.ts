/**
 * Test helpers: spawn the real embedded worker (through the adapter's
 * LaunchPlan) on a free port, wait for it, talk to it, stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { embeddedLaunchPlan, type EmbeddedLaunchOptions } from '../../../main/runtimes/embedded/launch-plan.js';
import { join } from 'node:path';
import { MODELS_DIR } from '../../support/models.js';

export const STORIES_MODEL = join(MODELS_DIR, 'stories260K.gguf');

/** Fails loudly (never skips) when the test model is missing. */
export function requireModel(path: string = STORIES_MODEL): string {
  if (!existsSync(path)) throw new Error(`test model missing: ${path} (see ../shared/models/README.md or set HOMEPORT_TEST_MODELS)`);
  return path;
}

export interface RunningWorker {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly port: number;
  /** What every request must carry (the per-launch key from the launch plan). */
  readonly headers: Readonly<Record<string, string>>;
  /** Everything the worker printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code/signal (immediately if already exited). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Spawn the worker; does not wait for readiness (see waitReady). */
export async function spawnWorker(options: Partial<EmbeddedLaunchOptions> = {}): Promise<RunningWorker> {
  const port = options.port ?? (await freePort());
  const plan = embeddedLaunchPlan({ modelPath: STORIES_MODEL, threads: 1, ...options, port });
  const child = spawn(plan.command, [...plan.args], {
    env: { ...process.env, ...plan.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    baseUrl: plan.baseUrl,
    port,
    headers: plan.headers ?? {},
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** Poll /health until 200; returns every distinct status body seen on the way. */
export async function waitReady(worker: RunningWorker, timeoutMs = 60_000): Promise<unknown[]> {
  const seen: unknown[] = [];
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void worker.exited().then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`worker exited before ready; stderr:\n${worker.stderr()}`);
    try {
      const res = await fetch(`${worker.baseUrl}/health`, { headers: worker.headers });
      const body: unknown = await res.json();
      seen.push({ status: res.status, body });
      if (res.status === 200) return seen;
    } catch {
      // not listening yet
    }
    await sleep(25);
  }
  throw new Error(`worker not ready after ${timeoutMs} ms; stderr:\n${worker.stderr()}`);
}

export async function startWorker(options: Partial<EmbeddedLaunchOptions> = {}): Promise<RunningWorker> {
  requireModel();
  const worker = await spawnWorker(options);
  await waitReady(worker);
  return worker;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function postJson<T = ErrorBody>(
  worker: RunningWorker,
  path: string,
  body: unknown,
): Promise<{ status: number; headers: Headers; json: T }> {
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method: 'POST',
    headers: { ...worker.headers, 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as T };
}

/** POST a streamed request and collect the `data:` payloads (parsed JSON, or the raw string for [DONE]). */
export async function postStream(worker: RunningWorker, path: string, body: unknown): Promise<{ status: number; headers: Headers; events: unknown[] }> {
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method: 'POST',
    headers: { ...worker.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as unknown)));
  return { status: res.status, headers: res.headers, events };
}

export async function health(worker: RunningWorker): Promise<{ status: string; slots: { total: number; busy: number }; queued: number }> {
  const res = await fetch(`${worker.baseUrl}/health`, { headers: worker.headers });
  return (await res.json()) as { status: string; slots: { total: number; busy: number }; queued: number };
}

/** Poll until `check` passes or the deadline expires (then the last failure is thrown). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

// Response shapes the tests read (what OpenAI documents; asserted field by field in the tests).
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
export interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; message: { role: string; content: string }; finish_reason: string; logprobs: null }[];
  usage: Usage;
}
export interface ChatChunk {
  id: string;
  object: string;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[];
  usage?: Usage;
}
export interface TextCompletion {
  id: string;
  object: string;
  choices: { index: number; text: string; finish_reason: string; logprobs: null }[];
  usage: Usage;
}
export interface EmbeddingList {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}
