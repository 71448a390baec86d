import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allocatePort } from '../../main/runtimes/process/ports.js';

export interface RunningEngine {
  readonly child: ChildProcess;
  readonly origin: string;
  /** For /homeport calls (Authorization: Bearer). */
  readonly controlToken: string;
  readonly pid: number;
  /** The embedded runtime's own origin (for direct calls) and pid. */
  readonly runtime: { readonly origin: string; readonly pid: number; readonly headers: Readonly<Record<string, string>> };
  stop(): Promise<void>;
}

const SERVE_JS = fileURLToPath(new URL('../../main/serve.js', import.meta.url));

/** The built engine (`dist/main/serve.js`) as its own process, as users run it. */
export async function startEngineProcess(options: { model: string; port: number; ctx: number; parallel: number; threads: number; config?: Record<string, unknown>; env?: Record<string, string> }): Promise<RunningEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'homeport-bench-'));
  if (options.config) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(options.config));
  const args = ['serve', '--model', options.model, '--port', String(options.port), '--ctx', String(options.ctx), '--parallel', String(options.parallel), '--threads', String(options.threads), '--data-dir', dataDir];
  const child = spawn(process.execPath, [SERVE_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine not ready in 120 s:\n${out}`)), 120_000);
    child.stdout!.on('data', () => {
      if (out.includes('Ready:')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}:\n${out}`)));
  });
  const origin = `http://127.0.0.1:${options.port}`;
  const controlToken = readFileSync(join(dataDir, 'state', 'control-token'), 'utf8').trim();
  const status = (await (await fetch(`${origin}/homeport/v1/status`, { headers: { authorization: `Bearer ${controlToken}` } })).json()) as { runtimes: Array<{ baseUrl: string; pid: number }> };
  const runtime = status.runtimes[0]!;
  return {
    child,
    origin,
    controlToken,
    pid: child.pid!,
    runtime: { origin: runtime.baseUrl, pid: runtime.pid, headers: workerAuth(runtime.pid) },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * The embedded worker answers only its gateway: a per-launch key it gets by
 * environment. For direct calls the bench reads it from /proc (same user, Linux).
 */
function workerAuth(pid: number): Record<string, string> {
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const key = environ.find((v) => v.startsWith('HOMEPORT_WORKER_KEY='))?.slice('HOMEPORT_WORKER_KEY='.length);
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** The bare pass-through proxy (bare-proxy.ts) in front of `upstream`, as its own process: the floor of a process hop. */
export async function startBareProxy(upstream: string, headers: Readonly<Record<string, string>> = {}): Promise<{ origin: string; stop: () => void }> {
  const port = await allocatePort({ host: '127.0.0.1' });
  const script = fileURLToPath(new URL('./bare-proxy.js', import.meta.url));
  const key = headers.authorization?.replace(/^Bearer /, '');
  const child = spawn(process.execPath, [script, upstream, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(key ? { HOMEPORT_WORKER_KEY: key } : {}) } });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare proxy exited with ${code}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}
