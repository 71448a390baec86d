/**
 * Launch plan for the embedded runtime: Node itself running the worker entry
 * (main/runtimes/embedded/worker-main.ts), which serves the OpenAI API on loopback
 * and answers GET /health with 200 once the model is loaded.
 *
 * Every launch gets a fresh key, passed in the worker's environment (not on
 * its command line, where `ps` would show it) and sent by the supervisor and
 * the gateway from the plan's headers; the worker refuses any request
 * without it (request-guard.ts).
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT_MODEL_UNUSABLE } from './exit-codes.js';
import { newWorkerKey, WORKER_KEY_ENV } from './request-guard.js';
import type { LaunchPlan } from '../types.js';

export interface EmbeddedLaunchOptions {
  readonly modelPath: string;
  readonly port: number;
  readonly modelId?: string;
  readonly parallel?: number;
  /** Tokens per parallel sequence. */
  readonly ctx?: number;
  readonly threads?: number;
  /** Requests that may wait for a slot. */
  readonly queue?: number;
  readonly batch?: number;
  /** The Node binary (default: the current one). */
  readonly execPath?: string;
  /** Where this adapter runs from (default: its own module URL); decides .ts vs compiled .js. */
  readonly adapterUrl?: string;
  /** The per-launch key, when one exists already (an adopted spare worker's); default: a fresh one. */
  readonly key?: string;
  /** Injectable randomness for the per-launch key (tests). */
  readonly randomBytes?: (size: number) => Buffer;
}

export interface WorkerEntry {
  /** Absolute path of the worker entry file. */
  readonly file: string;
  /** Node flags needed before the file (a TypeScript loader when running from source). */
  readonly nodeArgs: readonly string[];
}

/**
 * Running from source (`.ts`, under vitest or tsx), the worker is the `.ts`
 * entry and needs tsx as loader (resolved to an absolute URL, so the child's
 * working directory does not matter); from the compiled build
 * (dist/main/runtimes/embedded/launch-plan.js) it is `worker-main.js` as is.
 */
export function resolveWorkerEntry(adapterUrl: string = import.meta.url): WorkerEntry {
  const fromSource = adapterUrl.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? './worker-main.ts' : './worker-main.js', adapterUrl));
  if (!fromSource) return { file, nodeArgs: [] };
  const tsxLoader = createRequire(adapterUrl).resolve('tsx');
  return { file, nodeArgs: ['--import', pathToFileURL(tsxLoader).href] };
}

export function embeddedLaunchPlan(options: EmbeddedLaunchOptions): LaunchPlan {
  const entry = resolveWorkerEntry(options.adapterUrl);
  const flags = ['--model', options.modelPath, '--port', String(options.port), '--host', '127.0.0.1'];
  const optional: ReadonlyArray<[string, string | number | undefined]> = [
    ['--model-id', options.modelId],
    ['--parallel', options.parallel],
    ['--ctx', options.ctx],
    ['--threads', options.threads],
    ['--queue', options.queue],
    ['--batch', options.batch],
  ];
  for (const [flag, value] of optional) {
    if (value !== undefined) flags.push(flag, String(value));
  }
  const key = options.key ?? newWorkerKey(options.randomBytes);
  return {
    command: options.execPath ?? process.execPath,
    args: [...entry.nodeArgs, entry.file, ...flags],
    // Inside Electron, process.execPath is the Electron binary: make it behave as plain Node.
    env: { ELECTRON_RUN_AS_NODE: '1', [WORKER_KEY_ENV]: key },
    baseUrl: `http://127.0.0.1:${options.port}`,
    headers: { Authorization: `Bearer ${key}` },
    healthPath: '/health',
    // An unusable model file fails the same way on every try: no restarts.
    fatalExitCodes: [EXIT_MODEL_UNUSABLE],
    // llama.cpp runs inside the worker; it spawns nothing that could outlive it.
    startsNoChildren: true,
  };
}
