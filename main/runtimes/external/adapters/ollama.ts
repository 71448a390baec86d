/**
 * Ollama (`ollama serve`) as a Homeport runtime: one server, many models,
 * loaded lazily per request and unloaded after their keep-alive.
 *
 * Launch: `ollama serve` (it takes no flags) configured by environment:
 * OLLAMA_HOST=127.0.0.1:P, OLLAMA_CONTEXT_LENGTH from Homeport's setting,
 * OLLAMA_NO_CLOUD=1 (so `:cloud` model names are never proxied to ollama.com),
 * optionally OLLAMA_KEEP_ALIVE, OLLAMA_NUM_PARALLEL, OLLAMA_MAX_LOADED_MODELS,
 * OLLAMA_MODELS. No API key exists.
 *
 * Facts (ollama/ollama server/routes.go, docs/api.md): GET / answers
 * `Ollama is running`; /api/tags lists local models, /api/ps loaded ones
 * with `expires_at`; POST /api/generate {model} loads (an embedding-only model
 * is refused there: load it with POST /api/embed {model} instead), adding
 * keep_alive 0 unloads; on a loopback bind a request whose Host header is not
 * local gets 403, so the gateway must let its HTTP client set Host from the
 * base URL rather than forward the client's.
 */
import { z } from 'zod';
import type { LaunchPlan } from '../../types.js';
import {
  firstLine,
  loopbackBaseUrl,
  type ExternalRuntimeAdapter,
  type HealthVerdict,
  type HttpRequestSpec,
  type ModelSummary,
  type ParseResult,
} from './common.js';

/** How long a model stays loaded after its last request. */
export type KeepAlive = { readonly forever: true } | { readonly ms: number };

export interface OllamaLaunchOptions {
  readonly port: number;
  /** Context length every model is loaded with (OLLAMA_CONTEXT_LENGTH). */
  readonly contextLength: number;
  readonly keepAlive?: KeepAlive;
  readonly numParallel?: number;
  readonly maxLoadedModels?: number;
  /** Where Ollama keeps its models (OLLAMA_MODELS). */
  readonly modelsDir?: string;
  readonly binaryPath?: string;
}

/** keep_alive as Ollama reads it: whole seconds, -1 = forever, 0 = unload now. */
export function keepAliveSeconds(keepAlive: KeepAlive): number {
  if ('forever' in keepAlive) return -1;
  if (!(keepAlive.ms >= 0)) throw new RangeError(`keep-alive must be >= 0 ms, got ${keepAlive.ms}`);
  return Math.ceil(keepAlive.ms / 1000);
}

function positiveInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`Ollama ${name} must be a positive integer, got ${value}`);
  return String(value);
}

export function buildOllamaLaunchPlan(options: OllamaLaunchOptions): LaunchPlan {
  const env: Record<string, string> = {
    OLLAMA_HOST: `127.0.0.1:${options.port}`,
    OLLAMA_CONTEXT_LENGTH: positiveInteger('context length', options.contextLength),
    OLLAMA_NO_CLOUD: '1',
  };
  // Whole seconds: OLLAMA_KEEP_ALIVE accepts a Go duration or an integer number of seconds.
  if (options.keepAlive !== undefined) env.OLLAMA_KEEP_ALIVE = String(keepAliveSeconds(options.keepAlive));
  if (options.numParallel !== undefined) env.OLLAMA_NUM_PARALLEL = positiveInteger('parallel requests', options.numParallel);
  if (options.maxLoadedModels !== undefined) env.OLLAMA_MAX_LOADED_MODELS = positiveInteger('max loaded models', options.maxLoadedModels);
  if (options.modelsDir !== undefined) env.OLLAMA_MODELS = options.modelsDir;
  return {
    command: options.binaryPath ?? 'ollama',
    args: ['serve'],
    env,
    baseUrl: loopbackBaseUrl(options.port),
    healthPath: '/',
    headers: {},
  };
}

/**
 * `ollama -v` asks the running server: `ollama version is X`, plus
 * `Warning: client version is Y` when they differ or no server answers.
 * The installed binary's version is the client's, so Y wins when present.
 */
export function parseOllamaVersion(output: { stdout: string; stderr: string }): ParseResult<string> {
  const text = `${output.stdout}\n${output.stderr}`;
  const client = /client version is (\S+)/.exec(text);
  if (client) return { ok: true, value: client[1]! };
  const server = /ollama version is (\S+)/.exec(text);
  if (server) return { ok: true, value: server[1]! };
  return { ok: false, reason: `no "ollama version is" line in the output (${JSON.stringify(firstLine(text))})` };
}

export function judgeOllamaHealth(response: { status: number; body: string }): HealthVerdict {
  if (response.status === 200 && response.body.includes('Ollama is running')) return { healthy: true, reason: 'Ollama answers GET / with "Ollama is running"' };
  if (response.status === 403) return { healthy: false, reason: 'Ollama refused the Host header (403); call it with Host set to the loopback address' };
  return { healthy: false, reason: `GET / answered ${response.status} without "Ollama is running"` };
}

const detailsSchema = z.object({ families: z.array(z.string()).nullish(), family: z.string().nullish() }).partial().nullish();
const tagsSchema = z.object({ models: z.array(z.object({ name: z.string(), model: z.string().optional(), size: z.number().optional(), details: detailsSchema })).nullish() });
const psSchema = z.object({
  models: z
    .array(
      z.object({
        name: z.string(),
        model: z.string().optional(),
        size: z.number().optional(),
        size_vram: z.number().optional(),
        expires_at: z.string().optional(),
        context_length: z.number().optional(),
      }),
    )
    .nullish(),
});

export function parseOllamaTags(body: unknown): ParseResult<ModelSummary[]> {
  const parsed = tagsSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: `unexpected /api/tags shape: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return {
    ok: true,
    value: (parsed.data.models ?? []).map((m) => ({ id: m.name, type: 'unknown', loaded: null, contextLength: null, maxContextLength: null, sizeBytes: m.size ?? null })),
  };
}

export interface OllamaLoadedModel {
  readonly id: string;
  /** Unix ms when Ollama will unload it (far in the future for "forever"); null when absent. */
  readonly expiresAt: number | null;
  readonly contextLength: number | null;
  readonly sizeBytes: number | null;
  readonly sizeVramBytes: number | null;
}

export function parseOllamaPs(body: unknown): ParseResult<OllamaLoadedModel[]> {
  const parsed = psSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: `unexpected /api/ps shape: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return {
    ok: true,
    value: (parsed.data.models ?? []).map((m) => {
      const expiresAt = m.expires_at === undefined ? Number.NaN : Date.parse(m.expires_at);
      return {
        id: m.name,
        expiresAt: Number.isNaN(expiresAt) ? null : expiresAt,
        contextLength: m.context_length ?? null,
        sizeBytes: m.size ?? null,
        sizeVramBytes: m.size_vram ?? null,
      };
    }),
  };
}

/** Load a model and keep it for `keepAlive`. Embedding-only models load through /api/embed. */
export function buildOllamaLoadRequest(options: { model: string; keepAlive: KeepAlive; embedding?: boolean }): HttpRequestSpec {
  if ('ms' in options.keepAlive && options.keepAlive.ms <= 0) {
    throw new RangeError('a keep-alive of 0 would unload the model; use buildOllamaUnloadRequest to unload');
  }
  const body = { model: options.model, keep_alive: keepAliveSeconds(options.keepAlive) };
  return { method: 'POST', path: options.embedding === true ? '/api/embed' : '/api/generate', body };
}

/** Unload now (works for every model type). Ollama answers before the memory is freed: poll /api/ps. */
export function buildOllamaUnloadRequest(model: string): HttpRequestSpec {
  return { method: 'POST', path: '/api/generate', body: { model, keep_alive: 0 } };
}

export function buildOllamaPullRequest(model: string): HttpRequestSpec {
  return { method: 'POST', path: '/api/pull', body: { model, stream: true } };
}

export interface OllamaPullProgress {
  readonly status: string;
  readonly digest: string | null;
  readonly totalBytes: number | null;
  readonly completedBytes: number | null;
  /** The pull finished successfully. */
  readonly done: boolean;
  /** Ollama reported a failure (an `error` line). */
  readonly error: string | null;
}

const pullLineSchema = z.object({ status: z.string().optional(), digest: z.string().optional(), total: z.number().optional(), completed: z.number().optional(), error: z.string().optional() });

/** One NDJSON line of a streamed /api/pull. */
export function parseOllamaPullLine(line: string): ParseResult<OllamaPullProgress> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: `not a JSON line: ${JSON.stringify(line.slice(0, 80))}` };
  }
  const parsed = pullLineSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'unexpected /api/pull line shape' };
  const { status = '', digest, total, completed, error } = parsed.data;
  return {
    ok: true,
    value: { status, digest: digest ?? null, totalBytes: total ?? null, completedBytes: completed ?? null, done: status === 'success', error: error ?? null },
  };
}

export const ollamaAdapter: ExternalRuntimeAdapter<OllamaLaunchOptions> = {
  kind: 'ollama',
  displayName: 'Ollama',
  binaryName: 'ollama',
  defaultPort: 11434,
  version: { args: ['-v'], parse: parseOllamaVersion },
  health: { path: '/', judge: judgeOllamaHealth },
  // The server itself starts in seconds; models load later, per request.
  startDeadlineMs: 60_000,
  launcherExits: false,
  models: { path: '/api/tags', parse: parseOllamaTags },
  buildLaunchPlan: buildOllamaLaunchPlan,
  // Ollama has no secret flags; kept for a uniform interface.
};

/** Where Ollama lists the models loaded right now. */
export const OLLAMA_LOADED_MODELS = { path: '/api/ps', parse: parseOllamaPs } as const;
