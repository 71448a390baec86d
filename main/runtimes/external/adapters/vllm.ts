/**
 * vLLM (`vllm serve`) as a Homeport runtime: one model per process, a CUDA
 * GPU required, and a slow start (weights load before the port serves).
 *
 * Launch: `vllm serve MODEL --host 127.0.0.1 --port P --allowed-origins []
 * [--max-model-len N] [--gpu-memory-utilization F] [--served-model-name NAME]
 * [--max-num-seqs N] [--middleware homeport_vllm_guard.require_key]
 * --api-key KEY` with a fresh random key per launch (`apiKeyVia: 'env'` passes
 * VLLM_API_KEY instead). `--host` matters: vLLM's default is all interfaces.
 * `--allowed-origins []` (a JSON list) turns vLLM's default CORS `*` off.
 * vLLM's key leaves /invocations (the same inference) and other routes open,
 * so with `guardModuleDir` the launch also loads Homeport's guard
 * (vllm-guard.ts), which requires the key, an exact Host and no Origin on
 * every path.
 *
 * Facts (vllm/entrypoints/openai/cli_args.py, api_server.py): connections are refused until
 * the model is loaded, then GET /health answers 200 with an empty body; the
 * key guards only /v1 (so /health needs none); /v1/models gives
 * `max_model_len`; an unknown `model` is a 404.
 */
import { delimiter } from 'node:path';
import { z } from 'zod';
import { VLLM_GUARD_ENTRY, VLLM_GUARD_PORT_ENV } from './vllm-guard.js';
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
export interface VllmLaunchOptions extends KeyedServerLaunchOptions {
  /** Hugging Face id or local path. */
  readonly model: string;
  readonly maxModelLen?: number;
  /** Fraction of GPU memory vLLM may use, 0 < F <= 1 (vLLM default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** The name clients use; default: the model argument. */
  readonly servedModelName?: string;
  /** Concurrent sequences (vLLM's parallelism). */
  readonly maxNumSeqs?: number;
  /** A folder holding Homeport's guard module (fleet/vllm-guard-file.ts); loaded with --middleware. */
  readonly guardModuleDir?: string;
  /** PYTHONPATH the runtime would otherwise get (kept after the guard's folder). */
  readonly inheritedPythonPath?: string;
}


/** `vllm --version` prints the bare version, e.g. `0.11.0`. */
export function parseVllmVersion(output: { stdout: string; stderr: string }): ParseResult<string> {
  const line = firstLine(output.stdout);
  if (/^\d+\.\d+(\.\d+)?([.+-][0-9A-Za-z.+-]*)?$/.test(line)) return { ok: true, value: line };
  return { ok: false, reason: `expected a bare version number, got ${JSON.stringify(line || firstLine(output.stderr))}` };
}

export function judgeVllmHealth(response: { status: number; body: string }): HealthVerdict {
  if (response.status === 200) return { healthy: true, reason: 'vLLM answers /health with 200' };
  if (response.status === 503) return { healthy: false, reason: 'vLLM reports its engine is dead (503)' };
  return { healthy: false, reason: `GET /health answered ${response.status}` };
}

const modelEntry = z.object({ id: z.string(), owned_by: z.string().optional(), max_model_len: z.number().nullish(), root: z.string().nullish() });

export function parseVllmModels(body: unknown): ParseResult<ModelSummary[]> {
  return parseServedModels(body, modelEntry, (m) => ({ contextLength: m.max_model_len ?? null, maxContextLength: m.max_model_len ?? null, sizeBytes: null }));
}

export function buildVllmLaunchPlan(options: VllmLaunchOptions): LaunchPlan {
  // --allowed-origins takes a JSON list: an empty one sends no CORS header to any origin.
  const args = ['serve', options.model, '--host', '127.0.0.1', '--port', String(options.port), '--allowed-origins', '[]'];
  if (options.maxModelLen !== undefined) {
    if (!Number.isInteger(options.maxModelLen) || options.maxModelLen <= 0) throw new RangeError(`vLLM max model length must be a positive integer, got ${options.maxModelLen}`);
    args.push('--max-model-len', String(options.maxModelLen));
  }
  if (options.gpuMemoryUtilization !== undefined) {
    if (!(options.gpuMemoryUtilization > 0 && options.gpuMemoryUtilization <= 1)) throw new RangeError(`vLLM GPU memory utilization must be in (0, 1], got ${options.gpuMemoryUtilization}`);
    args.push('--gpu-memory-utilization', String(options.gpuMemoryUtilization));
  }
  if (options.servedModelName !== undefined) args.push('--served-model-name', options.servedModelName);
  if (options.maxNumSeqs !== undefined) args.push('--max-num-seqs', String(options.maxNumSeqs));
  const { guardModuleDir } = options;
  if (guardModuleDir !== undefined) args.push('--middleware', VLLM_GUARD_ENTRY);
  return keyedServerLaunchPlan(options, {
    binaryName: 'vllm',
    keyEnvName: 'VLLM_API_KEY',
    args,
    // The guard reads the key from the environment, whichever way vLLM itself gets it.
    env: (key) =>
      guardModuleDir === undefined
        ? undefined
        : {
            PYTHONPATH: [guardModuleDir, options.inheritedPythonPath].filter((p) => p !== undefined && p !== '').join(delimiter),
            [VLLM_GUARD_PORT_ENV]: String(options.port),
            VLLM_API_KEY: key,
          },
  });
}

export const vllmAdapter = keyedServerAdapter<VllmLaunchOptions>({
  kind: 'vllm',
  displayName: 'vLLM',
  binaryName: 'vllm',
  defaultPort: 8000,
  // Downloading and loading weights, then CUDA graph capture, can take many minutes.
  startDeadlineMs: 15 * 60_000,
  parseVersion: parseVllmVersion,
  judgeHealth: judgeVllmHealth,
  parseModels: parseVllmModels,
  buildLaunchPlan: buildVllmLaunchPlan,
});
