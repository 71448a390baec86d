/**
 * What the four external runtime adapters (llama-server, Ollama, LM Studio,
 * vLLM) have in common: the shapes of their data, the one list of paths
 * Homeport forwards to any of them, and secret redaction.
 *
 * Adapters are data plus small pure functions. They never spawn, fetch or
 * read the clock; the supervisor, the gateway and detection do that with
 * what the adapter describes.
 */
import { randomBytes } from 'node:crypto';
import type { LaunchPlan, RuntimeKind } from '../../types.js';

export type ExternalRuntimeKind = Exclude<RuntimeKind, 'embedded'>;

/** The only paths the gateway forwards to a runtime. Everything else stays inside. */
export const INFERENCE_PATHS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/models'] as const;
export type InferencePath = (typeof INFERENCE_PATHS)[number];

export interface PathDecision {
  readonly forwardable: boolean;
  readonly reason: string;
}

/** Paths that change a runtime or leak its internals, named in refusals so logs say why. */
const MANAGEMENT_PATHS: readonly string[] = [
  '/api/pull', '/api/push', '/api/create', '/api/delete', '/api/copy', '/api/blobs', // Ollama
  '/api/v1/models/load', '/api/v1/models/unload', '/api/v1/models/download', // LM Studio
  '/slots', '/props', '/metrics', '/lora-adapters', '/models', // llama-server
  '/invocations', '/start_profile', '/stop_profile', '/sleep', '/wake_up', '/v1/load_lora_adapter', '/v1/unload_lora_adapter', // vLLM
];

/**
 * Decide whether a request path may be forwarded to a runtime. Only the exact
 * inference paths pass (a query string after them is allowed); anything
 * encoded, dotted, doubled or otherwise unusual is refused before the
 * comparison so the reason says what was wrong.
 */
export function checkForwardablePath(path: string): PathDecision {
  if (typeof path !== 'string' || path === '') return { forwardable: false, reason: 'empty path' };
  const [pathname = ''] = path.split('?', 1);
  if (!pathname.startsWith('/')) return { forwardable: false, reason: `${JSON.stringify(path)} is not an absolute path (full URLs and relative paths are refused)` };
  if ([...path].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f)) {
    return { forwardable: false, reason: 'control characters or spaces in the path are refused' };
  }
  if (path.includes('#')) return { forwardable: false, reason: 'fragments are refused' };
  if (pathname.includes('%')) return { forwardable: false, reason: `percent-encoded characters are refused in ${JSON.stringify(pathname)} (they can hide "..", "/" or "\\")` };
  if (pathname.includes('\\')) return { forwardable: false, reason: `backslashes are refused in ${JSON.stringify(pathname)}` };
  const segments = pathname.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return { forwardable: false, reason: `dot segments are refused in ${JSON.stringify(pathname)}` };
  if (pathname.includes('//')) return { forwardable: false, reason: `empty path segments are refused in ${JSON.stringify(pathname)}` };
  if ((INFERENCE_PATHS as readonly string[]).includes(pathname)) return { forwardable: true, reason: `${pathname} is an inference path` };
  const management = MANAGEMENT_PATHS.find((m) => pathname === m || pathname.startsWith(`${m}/`));
  if (management !== undefined) return { forwardable: false, reason: `${pathname} is a runtime management path; Homeport never forwards it` };
  return { forwardable: false, reason: `${pathname} is not one of the forwarded inference paths (${INFERENCE_PATHS.join(', ')})` };
}

export function isForwardablePath(path: string): boolean {
  return checkForwardablePath(path).forwardable;
}

/** Replace the value of each secret flag (`--flag VALUE` or `--flag=VALUE`) with `***`, for display. */
export function redactSecretArgs(args: readonly string[], secretFlags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = secretFlags.find((flag) => arg.startsWith(`${flag}=`));
    if (inline !== undefined) {
      out.push(`${inline}=***`);
    } else if (secretFlags.includes(arg) && i + 1 < args.length) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Replace the values of secret environment variables with `***`, for display. */
export function redactSecretEnv(env: Readonly<Record<string, string>>, secretNames: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, secretNames.includes(name) ? '***' : value]));
}

/** A fresh per-launch API key: 32 random bytes, hex. `random` is injectable for tests. */
export function newApiKey(random: (size: number) => Buffer = randomBytes): string {
  return random(32).toString('hex');
}

export function loopbackBaseUrl(port: number): string {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`invalid port ${port}`);
  return `http://127.0.0.1:${port}`;
}

/**
 * A launch plan for a server guarded by a per-launch API key (llama-server,
 * vLLM): the key goes as `--api-key` or, with `via: 'env'`, in the runtime's
 * own environment variable (not visible in `ps`), and always reaches the
 * gateway as the endpoint's Authorization header.
 */
export function keyedLaunchPlan(options: {
  readonly command: string;
  readonly args: readonly string[];
  readonly key: string;
  readonly via: 'argv' | 'env';
  readonly envName: string;
  readonly port: number;
  /** More environment for the runtime. */
  readonly env?: Readonly<Record<string, string>>;
}): LaunchPlan {
  const viaEnv = options.via === 'env';
  const env = { ...(options.env ?? {}), ...(viaEnv ? { [options.envName]: options.key } : {}) };
  return {
    command: options.command,
    args: viaEnv ? [...options.args] : [...options.args, '--api-key', options.key],
    ...(Object.keys(env).length > 0 ? { env } : {}),
    baseUrl: loopbackBaseUrl(options.port),
    healthPath: '/health',
    headers: { Authorization: `Bearer ${options.key}` },
  };
}

// ---------------------------------------------------------------- shared shapes

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** How to ask a binary for its version, and how to read the answer. */
export interface VersionCommand {
  readonly args: readonly string[];
  /** The version string, or null with the reason it could not be read. */
  parse(output: { readonly stdout: string; readonly stderr: string }): ParseResult<string>;
}

export interface HealthVerdict {
  readonly healthy: boolean;
  readonly reason: string;
}

/** Poll `path` with GET; `judge` decides from the status and body text. */
export interface HealthCheck {
  readonly path: string;
  judge(response: { readonly status: number; readonly body: string }): HealthVerdict;
}

/** One model as a runtime lists it, in a shape common to all runtimes. */
export interface ModelSummary {
  /** The name to send as `model`. */
  readonly id: string;
  readonly type: 'llm' | 'embedding' | 'unknown';
  /** Loaded right now; null when the runtime's list does not say. */
  readonly loaded: boolean | null;
  /** The context the model is loaded (or served) with, when known. */
  readonly contextLength: number | null;
  /** The most context the model supports, when known. */
  readonly maxContextLength: number | null;
  readonly sizeBytes: number | null;
}

export interface ModelListing {
  readonly path: string;
  parse(body: unknown): ParseResult<ModelSummary[]>;
}

export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** The data every external adapter provides. */
export interface ExternalRuntimeAdapter<LaunchOptions> {
  readonly kind: ExternalRuntimeKind;
  readonly displayName: string;
  readonly binaryName: string;
  readonly defaultPort: number;
  readonly version: VersionCommand;
  readonly health: HealthCheck;
  /** How long a launch may take to become healthy before it counts as failed. */
  readonly startDeadlineMs: number;
  /**
   * True when the launch command only asks a daemon to serve and then exits
   * (LM Studio's `lms server start`); the server is not the spawned child.
   */
  readonly launcherExits: boolean;
  readonly models: ModelListing;
  readonly inferencePaths: readonly InferencePath[];
  isForwardablePath(path: string): boolean;
  buildLaunchPlan(options: LaunchOptions): LaunchPlan;
  /** argv with secrets replaced by `***`, for logs and the UI. */
  redactArgs(args: readonly string[]): string[];
}

/** The first line of a text, trimmed, for reasons. */
export function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? '';
}
