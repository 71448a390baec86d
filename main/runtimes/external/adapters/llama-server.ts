/**
 * llama.cpp `llama-server` as a Homeport runtime: one model per process.
 *
 * Launch: `llama-server -m MODEL --host 127.0.0.1 --port P -c CTX -np PARALLEL
 * --cors-origins http://homeport.invalid [-ngl N] [-t THREADS] [-a ALIAS]
 * [--embeddings] --api-key KEY`, with a fresh random key per launch that the
 * gateway sends as `Authorization: Bearer`. With 'argv' (the default) other
 * local users can see the key in `ps`; `apiKeyVia: 'env'` passes it as
 * LLAMA_API_KEY instead (what the fleet does).
 *
 * CORS: llama-server's default (`*` with credentials) echoes any Origin back,
 * so any web page may read its answers. Any other `--cors-origins` value is
 * sent literally as Access-Control-Allow-Origin; `http://homeport.invalid`
 * (a reserved name no page can have) matches no browser origin.
 *
 * Facts (llama.cpp tools/server/README.md, server-http.cpp): HTTP binds before the model
 * loads; /health answers 503 "Loading model" until ready, then 200
 * {"status":"ok"}; /health and /v1/models need no key; with an explicit -np
 * each slot gets CTX / PARALLEL tokens of context; the request `model` is
 * ignored (the loaded model answers); embeddings need --embeddings.
 */
import { z } from 'zod';
import type { LaunchPlan } from '../../types.js';
import {
  firstLine,
  keyedServerAdapter,
  keyedServerLaunchPlan,
  parseServedModels,
  type HealthVerdict,
  type KeyedServerLaunchOptions,
  type ModelSummary,
  type ParseResult,
} from './common.js';

/** Port, binary path, where the key goes: KeyedServerLaunchOptions (common.ts). */
export interface LlamaServerLaunchOptions extends KeyedServerLaunchOptions {
  readonly modelPath: string;
  /** -c: total context; with -np each slot gets contextSize / parallel. */
  readonly contextSize: number;
  /** -np: concurrent slots. */
  readonly parallel: number;
  /** -ngl: layers on the GPU (omitted = llama.cpp's own choice, "auto"). */
  readonly gpuLayers?: number | 'auto' | 'all';
  /** -t: generation threads (omitted = llama.cpp's default). */
  readonly threads?: number;
  /** -a: the name the model is served as; makes /v1/models ids predictable. */
  readonly alias?: string;
  /** --embeddings: serve /v1/embeddings (for embedding models). */
  readonly embeddings?: boolean;
}

/** An origin no web page can have (.invalid is reserved, RFC 2606): CORS then admits no page. */
export const NO_BROWSER_ORIGIN = 'http://homeport.invalid';

/**
 * `llama-server --version` prints to stderr either `version: 6789 (a1b2c3d)`
 * or, in newer builds, `version: 0.2.0-dev (build 10709, commit 9a9394a89)`.
 */
export function parseLlamaServerVersion(output: { stdout: string; stderr: string }): ParseResult<string> {
  const text = `${output.stderr}\n${output.stdout}`;
  const classic = /^version:\s*(\d+)\s+\(([0-9a-f]+)\)/m.exec(text);
  if (classic) return { ok: true, value: `b${classic[1]} (${classic[2]})` };
  const semver = /^version:\s*(\S+)\s+\(build\s+(\d+),\s*commit\s+([0-9a-f]+)\)/m.exec(text);
  if (semver) return { ok: true, value: `${semver[1]} (b${semver[2]}, ${semver[3]})` };
  return { ok: false, reason: `no "version: N (commit)" line in the output (${JSON.stringify(firstLine(text))})` };
}

export function judgeLlamaServerHealth(response: { status: number; body: string }): HealthVerdict {
  if (response.status === 200) {
    try {
      if ((JSON.parse(response.body) as { status?: unknown }).status === 'ok') return { healthy: true, reason: 'llama-server answers /health with status ok' };
    } catch {
      // fall through
    }
    return { healthy: false, reason: 'GET /health answered 200 but not {"status":"ok"}; this may not be llama-server' };
  }
  if (response.status === 503) return { healthy: false, reason: 'llama-server is still loading the model (503 Loading model)' };
  return { healthy: false, reason: `GET /health answered ${response.status}` };
}

const modelEntry = z.object({
  id: z.string(),
  owned_by: z.string().optional(),
  meta: z.object({ n_ctx: z.number().optional(), n_ctx_train: z.number().optional(), size: z.number().optional() }).partial().nullish(),
});

export function parseLlamaServerModels(body: unknown): ParseResult<ModelSummary[]> {
  return parseServedModels(body, modelEntry, (m) => ({
    contextLength: m.meta?.n_ctx ?? null,
    maxContextLength: m.meta?.n_ctx_train ?? null,
    sizeBytes: m.meta?.size ?? null,
  }));
}

function positiveInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`llama-server ${name} must be a positive integer, got ${value}`);
  return String(value);
}

export function buildLlamaServerLaunchPlan(options: LlamaServerLaunchOptions): LaunchPlan {
  const args = [
    '-m', options.modelPath,
    '--host', '127.0.0.1',
    '--port', positiveInteger('port', options.port),
    '-c', positiveInteger('context size', options.contextSize),
    '-np', positiveInteger('parallel', options.parallel),
    '--cors-origins', NO_BROWSER_ORIGIN,
  ];
  if (options.gpuLayers !== undefined) args.push('-ngl', typeof options.gpuLayers === 'number' ? String(options.gpuLayers) : options.gpuLayers);
  if (options.threads !== undefined) args.push('-t', positiveInteger('threads', options.threads));
  if (options.alias !== undefined) args.push('-a', options.alias);
  if (options.embeddings === true) args.push('--embeddings');
  return keyedServerLaunchPlan(options, { binaryName: 'llama-server', keyEnvName: 'LLAMA_API_KEY', args });
}

export const llamaServerAdapter = keyedServerAdapter<LlamaServerLaunchOptions>({
  kind: 'llama-server',
  displayName: 'llama.cpp server',
  binaryName: 'llama-server',
  defaultPort: 8080,
  startDeadlineMs: 10 * 60_000,
  parseVersion: parseLlamaServerVersion,
  judgeHealth: judgeLlamaServerHealth,
  parseModels: parseLlamaServerModels,
  buildLaunchPlan: buildLlamaServerLaunchPlan,
});
