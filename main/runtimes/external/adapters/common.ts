/**
 * What the four external runtime adapters (llama-server, Ollama, LM Studio,
 * vLLM) have in common: the shapes of their data and the keyed launch plan.
 *
 * Adapters are data plus small pure functions. They never spawn, fetch or
 * read the clock; the supervisor, the gateway and detection do that with
 * what the adapter describes.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { LaunchPlan, RuntimeKind } from '../../types.js';

export type ExternalRuntimeKind = Exclude<RuntimeKind, 'embedded'>;

/** A fresh per-launch API key: 32 random bytes, hex. `random` is injectable for tests. */
export function newApiKey(random: (size: number) => Buffer = randomBytes): string {
  return random(32).toString('hex');
}

export function loopbackBaseUrl(port: number): string {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new RangeError(`invalid port ${port}`);
  return `http://127.0.0.1:${port}`;
}

/**
 * What every one-model server guarded by a per-launch API key (llama-server,
 * vLLM) takes besides its own flags. Each adapter's launch options extend it.
 */
export interface KeyedServerLaunchOptions {
  readonly port: number;
  /** Full path of the binary; default the runtime's binary name, found on PATH. */
  readonly binaryPath?: string;
  /**
   * Where the API key goes. Default 'argv' (`--api-key KEY`: other local users
   * can see it in `ps`); 'env' passes it in the runtime's own environment
   * variable instead (what the fleet does).
   */
  readonly apiKeyVia?: 'argv' | 'env';
  /** Injectable randomness for the per-launch key (tests). */
  readonly randomBytes?: (size: number) => Buffer;
}

/** What differs per runtime in a keyed launch: its binary, its key variable and its own arguments. */
export interface KeyedServerLaunch {
  /** The command when no binaryPath is given. */
  readonly binaryName: string;
  /** The environment variable the runtime reads its key from (`apiKeyVia: 'env'`). */
  readonly keyEnvName: string;
  readonly args: readonly string[];
  /** More environment for the runtime; gets the key when it needs it too (e.g. vLLM's guard). */
  readonly env?: (key: string) => Readonly<Record<string, string>> | undefined;
}

/**
 * A launch plan for a server guarded by a fresh per-launch API key: the key
 * goes as `--api-key` or, with `apiKeyVia: 'env'`, in the runtime's own
 * environment variable (not visible in `ps`), and always reaches the gateway
 * as the endpoint's Authorization header.
 */
export function keyedServerLaunchPlan(options: KeyedServerLaunchOptions, launch: KeyedServerLaunch): LaunchPlan {
  const key = newApiKey(options.randomBytes);
  const viaEnv = options.apiKeyVia === 'env';
  const env = { ...(launch.env?.(key) ?? {}), ...(viaEnv ? { [launch.keyEnvName]: key } : {}) };
  return {
    command: options.binaryPath ?? launch.binaryName,
    args: viaEnv ? [...launch.args] : [...launch.args, '--api-key', key],
    ...(Object.keys(env).length > 0 ? { env } : {}),
    baseUrl: loopbackBaseUrl(options.port),
    healthPath: '/health',
    headers: { Authorization: `Bearer ${key}` },
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

/**
 * An OpenAI-style `/v1/models` answer of a one-model server (llama-server,
 * vLLM): `{ data: [entry...] }`, every model listed is loaded; `describe`
 * reads what the runtime adds to each entry (context, size).
 */
export function parseServedModels<Entry extends { readonly id: string }>(
  body: unknown,
  entry: z.ZodType<Entry>,
  describe: (model: Entry) => Pick<ModelSummary, 'contextLength' | 'maxContextLength' | 'sizeBytes'>,
): ParseResult<ModelSummary[]> {
  const parsed = z.object({ data: z.array(entry) }).safeParse(body);
  if (!parsed.success) return { ok: false, reason: `unexpected /v1/models shape: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, value: parsed.data.data.map((model) => ({ id: model.id, type: 'unknown', loaded: true, ...describe(model) })) };
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
  buildLaunchPlan(options: LaunchOptions): LaunchPlan;
}

/**
 * The adapter of a one-model server guarded by a per-launch key (llama-server,
 * vLLM): both answer `--version`, GET /health and GET /v1/models, and the
 * spawned process is the server itself. The rest is the runtime's own.
 */
export function keyedServerAdapter<LaunchOptions>(spec: {
  readonly kind: ExternalRuntimeKind;
  readonly displayName: string;
  readonly binaryName: string;
  readonly defaultPort: number;
  readonly startDeadlineMs: number;
  readonly parseVersion: VersionCommand['parse'];
  readonly judgeHealth: HealthCheck['judge'];
  readonly parseModels: ModelListing['parse'];
  readonly buildLaunchPlan: (options: LaunchOptions) => LaunchPlan;
}): ExternalRuntimeAdapter<LaunchOptions> {
  return {
    kind: spec.kind,
    displayName: spec.displayName,
    binaryName: spec.binaryName,
    defaultPort: spec.defaultPort,
    version: { args: ['--version'], parse: spec.parseVersion },
    health: { path: '/health', judge: spec.judgeHealth },
    startDeadlineMs: spec.startDeadlineMs,
    launcherExits: false,
    models: { path: '/v1/models', parse: spec.parseModels },
    buildLaunchPlan: spec.buildLaunchPlan,
  };
}

/** The first line of a text, trimmed, for reasons. */
export function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find((line) => line !== '') ?? '';
}
