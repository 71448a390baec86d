/**
 * A spare worker's command line and the adoption that turns it into a model's
 * worker, both parsed strictly.
 *
 *   embedded-worker --spare --port P [--host 127.0.0.1] [--threads N]
 *
 * A spare does everything a worker does before the model file is opened
 * (Node start, node-llama-cpp's import, getLlama with `threads`) and then
 * waits. Adoption is one guarded request, POST /spare/adopt with
 * `{"args": [...]}`: the model flags of the worker command line (everything
 * but --port and --host, which are the spare's own), parsed by the same
 * parseWorkerArgs as a cold start's.
 */
import { parseArgs } from 'node:util';
import { parseWorkerArgs, type ParsedWorkerArgs } from './worker-args.js';

/** The first argument that makes the worker a spare. */
export const SPARE_FLAG = '--spare';

/** The guarded path a spare is adopted on. */
export const ADOPT_PATH = '/spare/adopt';

export interface SpareOptions {
  readonly host: string;
  readonly port: number;
  readonly threads: number;
}

export type ParsedSpareArgs = { readonly ok: true; readonly options: SpareOptions } | { readonly ok: false; readonly message: string };

export const SPARE_USAGE = 'usage: embedded-worker --spare --port P [--host 127.0.0.1] [--threads N]';

/** Whether `argv` (without node and the script) asks for a spare. */
export function isSpareCommandLine(argv: readonly string[]): boolean {
  return argv[0] === SPARE_FLAG;
}

/** Parse a spare's `argv` (without node and the script, starting with --spare). */
export function parseSpareArgs(argv: readonly string[], env: { readonly cpuCount: number }): ParsedSpareArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { spare: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' }, threads: { type: 'string' } },
    }));
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (values.spare !== true) return { ok: false, message: '--spare must come first' };
  // The model-less part of a worker's command line, checked by the worker's own parser.
  const probe = ['--model', 'spare', '--port', String(values.port ?? '')];
  if (typeof values.host === 'string') probe.push('--host', values.host);
  if (typeof values.threads === 'string') probe.push('--threads', values.threads);
  if (values.port === undefined) return { ok: false, message: '--port P is required' };
  const parsed = parseWorkerArgs(probe, env);
  if (!parsed.ok) return parsed;
  return { ok: true, options: { host: parsed.options.host, port: parsed.options.port, threads: parsed.options.threads } };
}

/**
 * The adoption request's body as the model's worker options: the model flags,
 * with the spare's own host and port. Threads must be the spare's (its Llama
 * was made with them); anything else is refused, and the engine spawns cold.
 */
export function parseAdoption(body: unknown, spare: SpareOptions, env: { readonly cpuCount: number }): ParsedWorkerArgs {
  const args = (body as { args?: unknown } | null)?.args;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    return { ok: false, message: 'send {"args": [...]}: the model flags of the worker command line' };
  }
  const extra = Object.keys(body).filter((key) => key !== 'args');
  if (extra.length > 0) return { ok: false, message: `unknown field ${JSON.stringify(extra[0])}` };
  if (args.some((a) => a === '--port' || a === '--host' || a === SPARE_FLAG || a.startsWith('--port=') || a.startsWith('--host='))) {
    return { ok: false, message: 'the spare keeps its own --port and --host; send the model flags only' };
  }
  const parsed = parseWorkerArgs([...args, '--port', String(spare.port), '--host', spare.host], env);
  if (!parsed.ok) return parsed;
  if (parsed.options.threads !== spare.threads) {
    return { ok: false, message: `this spare was prepared with ${spare.threads} threads, not ${parsed.options.threads}` };
  }
  return parsed;
}
