/**
 * Command line of the embedded worker, parsed strictly: an unknown flag, a
 * missing value or a bad number is an error (the entry prints it and exits 2).
 *
 *   embedded-worker --model PATH --port P [--host 127.0.0.1] [--model-id ID]
 *     [--parallel N] [--ctx N] [--threads N] [--queue N] [--batch N]
 */
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

export interface WorkerOptions {
  readonly modelPath: string;
  readonly modelId: string;
  readonly host: string;
  readonly port: number;
  /** Parallel sequences (slots) of the one context. */
  readonly parallel: number;
  /** Tokens per sequence; undefined = min(2048, the model's trained context). */
  readonly ctx: number | undefined;
  readonly threads: number;
  /** Requests allowed to wait for a slot beyond the busy ones. */
  readonly queue: number;
  /** llama.cpp batch size; undefined = node-llama-cpp's default. */
  readonly batch: number | undefined;
}

export type ParsedWorkerArgs =
  | { readonly ok: true; readonly options: WorkerOptions }
  | { readonly ok: false; readonly message: string };

export const WORKER_USAGE =
  'usage: embedded-worker --model PATH --port P [--host 127.0.0.1] [--model-id ID] [--parallel N] ' +
  '[--ctx N] [--threads N] [--queue N] [--batch N]';

const DEFAULT_PARALLEL = 4;
const DEFAULT_QUEUE = 64;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Parse `argv` (without node and the script). `cpuCount` bounds --threads. */
export function parseWorkerArgs(argv: readonly string[], env: { readonly cpuCount: number }): ParsedWorkerArgs {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'model-id': { type: 'string' },
        parallel: { type: 'string' },
        ctx: { type: 'string' },
        threads: { type: 'string' },
        queue: { type: 'string' },
        batch: { type: 'string' },
      },
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }

  const modelPath = values.model;
  if (modelPath === undefined || modelPath === '') return fail('--model PATH is required');
  if (values.port === undefined) return fail('--port P is required');

  const host = values.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    return fail(`--host must be a loopback address (got ${JSON.stringify(host)}): the worker never listens beyond this machine`);
  }

  const errors: string[] = [];
  const readInt = (name: string, bounds: IntegerBounds): number | undefined => {
    const result = parseIntegerFlag(name, values[name], bounds);
    if (typeof result === 'string') errors.push(result);
    return typeof result === 'number' ? result : undefined;
  };
  const port = readInt('port', { min: 0, max: 65_535 });
  const parallel = readInt('parallel', { min: 1, max: 256 }) ?? DEFAULT_PARALLEL;
  const ctx = readInt('ctx', { min: 16, max: 4_194_304 });
  const threads = readInt('threads', { min: 1, max: 1024 }) ?? 1;
  const queue = readInt('queue', { min: 0, max: 100_000 }) ?? DEFAULT_QUEUE;
  const batch = readInt('batch', { min: 1, max: 1_048_576 });
  if (errors.length > 0 || port === undefined) return fail(errors.join('; '));

  const modelId = values['model-id'] ?? basename(modelPath).replace(/\.gguf$/i, '');
  if (modelId === '') return fail('--model-id must not be empty');

  return {
    ok: true,
    options: {
      modelPath,
      modelId,
      host,
      port,
      parallel,
      ctx,
      threads: Math.min(threads, Math.max(1, env.cpuCount)),
      queue,
      batch,
    },
  };
}

function fail(message: string): ParsedWorkerArgs {
  return { ok: false, message };
}

interface IntegerBounds {
  readonly min: number;
  readonly max: number;
}

/** A decimal integer within bounds, undefined when absent, or an error message (a string). */
function parseIntegerFlag(name: string, raw: string | undefined, bounds: IntegerBounds): number | undefined | string {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) return `--${name} must be a whole number (got ${JSON.stringify(raw)})`;
  const value = Number(raw);
  if (value < bounds.min || value > bounds.max) {
    return `--${name} must be between ${bounds.min} and ${bounds.max} (got ${value})`;
  }
  return value;
}
