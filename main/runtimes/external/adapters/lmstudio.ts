/**
 * LM Studio as a Homeport runtime, driven through its `lms` CLI.
 *
 * Launch: `lms server start --port P --bind 127.0.0.1`. Unlike the other
 * runtimes this command asks the LM Studio app/daemon to turn its HTTP server
 * on and then exits (`launcherExits`); the server is not Homeport's child.
 * Stop it with `lms server stop`. Models are loaded with
 * `lms load <key> ... -y` and unloaded with `lms unload <id>` / `--all`.
 *
 * Facts (lmstudio-ai/lms sources and lmstudio-ai/docs):
 * GET /lmstudio-greeting answers {"lmstudio":true} (the check lms itself
 * uses); /api/v0/models lists downloaded models with state loaded|not-loaded;
 * unknown paths answer **200** with an `error` field, so never judge LM Studio
 * by status codes alone; `lms version --json` gives a commit hash, not a
 * semver; `lms unload <unknown id>` prints an error but exits 0, so check
 * /api/v0/models afterwards; context, GPU offload and parallelism are per
 * load, not per server.
 */
import { z } from 'zod';
import type { LaunchPlan } from '../../types.js';
import {
  firstLine,
  loopbackBaseUrl,
  type ExternalRuntimeAdapter,
  type HealthVerdict,
  type ModelSummary,
  type ParseResult,
} from './common.js';

export interface LmStudioLaunchOptions {
  readonly port: number;
  readonly binaryPath?: string;
}

/** A CLI invocation (the supervisor or engine runs it and waits for its exit). */
export interface CliCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export interface LmStudioLoadOptions {
  /** The model key as `lms ls` shows it. */
  readonly modelKey: string;
  /** The name clients use as `model`; default: the key (or `key:2`... when taken). */
  readonly identifier?: string;
  readonly contextLength?: number;
  /** GPU offload: 'off', 'max' or a ratio 0..1. */
  readonly gpu?: 'off' | 'max' | number;
  readonly parallel?: number;
  /** Unload after this many idle seconds. */
  readonly ttlSeconds?: number;
  readonly binaryPath?: string;
}

export function buildLmStudioLaunchPlan(options: LmStudioLaunchOptions): LaunchPlan {
  return {
    command: options.binaryPath ?? 'lms',
    args: ['server', 'start', '--port', String(options.port), '--bind', '127.0.0.1'],
    baseUrl: loopbackBaseUrl(options.port),
    healthPath: '/lmstudio-greeting',
    headers: {},
  };
}

export function buildLmStudioStopCommand(binaryPath = 'lms'): CliCommand {
  return { command: binaryPath, args: ['server', 'stop'] };
}

export function buildLmStudioStatusCommand(binaryPath = 'lms'): CliCommand {
  return { command: binaryPath, args: ['server', 'status', '--json'] };
}

/** `lms server status --json` -> {"running":bool,"port":N}; port is absent when never started. */
export function parseLmStudioStatus(stdout: string): ParseResult<{ running: boolean; port: number | null }> {
  const parsed = z.object({ running: z.boolean(), port: z.number().optional() }).safeParse(safeJson(stdout));
  if (!parsed.success) return { ok: false, reason: `unexpected \`lms server status --json\` output: ${JSON.stringify(firstLine(stdout))}` };
  return { ok: true, value: { running: parsed.data.running, port: parsed.data.port ?? null } };
}

function positiveInteger(name: string, value: number): string {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`lms load ${name} must be a positive integer, got ${value}`);
  return String(value);
}

export function buildLmStudioLoadCommand(options: LmStudioLoadOptions): CliCommand {
  const args = ['load', options.modelKey];
  if (options.identifier !== undefined) args.push('--identifier', options.identifier);
  if (options.contextLength !== undefined) args.push('-c', positiveInteger('context length', options.contextLength));
  if (options.gpu !== undefined) {
    if (typeof options.gpu === 'number' && !(options.gpu >= 0 && options.gpu <= 1)) throw new RangeError(`lms load --gpu must be between 0 and 1, got ${options.gpu}`);
    args.push('--gpu', String(options.gpu));
  }
  if (options.parallel !== undefined) args.push('--parallel', positiveInteger('parallel', options.parallel));
  if (options.ttlSeconds !== undefined) args.push('--ttl', positiveInteger('ttl', options.ttlSeconds));
  // -y: never stop at an interactive prompt (ambiguous keys load the first match).
  args.push('-y');
  return { command: options.binaryPath ?? 'lms', args };
}

export function buildLmStudioUnloadCommand(target: { readonly identifier: string } | { readonly all: true }, binaryPath = 'lms'): CliCommand {
  return { command: binaryPath, args: 'all' in target ? ['unload', '--all'] : ['unload', target.identifier] };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text.trim());
  } catch {
    return undefined;
  }
}

/** `lms version --json` -> {"version":"<commit hash>"}; plain `CLI commit: X` is accepted too. */
export function parseLmsVersion(output: { stdout: string; stderr: string }): ParseResult<string> {
  const json = z.object({ version: z.string().min(1) }).safeParse(safeJson(output.stdout));
  if (json.success) return { ok: true, value: json.data.version };
  const plain = /CLI commit:\s*(\S+)/.exec(`${output.stdout}\n${output.stderr}`);
  if (plain) return { ok: true, value: plain[1]! };
  return { ok: false, reason: `no version in \`lms version --json\` output (${JSON.stringify(firstLine(output.stdout || output.stderr))})` };
}

export function judgeLmStudioHealth(response: { status: number; body: string }): HealthVerdict {
  if (response.status !== 200) return { healthy: false, reason: `GET /lmstudio-greeting answered ${response.status}` };
  const greeting = z.object({ lmstudio: z.literal(true) }).safeParse(safeJson(response.body));
  if (greeting.success) return { healthy: true, reason: 'LM Studio answers /lmstudio-greeting' };
  return { healthy: false, reason: 'GET /lmstudio-greeting answered 200 without {"lmstudio":true}; this is not LM Studio' };
}

const v0ModelsSchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      type: z.string().optional(),
      state: z.string().optional(),
      max_context_length: z.number().nullish(),
      loaded_context_length: z.number().nullish(),
    }),
  ),
});

export function parseLmStudioModels(body: unknown): ParseResult<ModelSummary[]> {
  const parsed = v0ModelsSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: `unexpected /api/v0/models shape: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return {
    ok: true,
    value: parsed.data.data.map((m) => ({
      id: m.id,
      type: m.type === 'embeddings' ? 'embedding' : m.type === 'llm' || m.type === 'vlm' ? 'llm' : 'unknown',
      loaded: m.state === undefined ? null : m.state === 'loaded',
      contextLength: m.loaded_context_length ?? null,
      maxContextLength: m.max_context_length ?? null,
      sizeBytes: null,
    })),
  };
}

export const lmStudioAdapter: ExternalRuntimeAdapter<LmStudioLaunchOptions> = {
  kind: 'lmstudio',
  displayName: 'LM Studio',
  binaryName: 'lms',
  defaultPort: 1234,
  version: { args: ['version', '--json'], parse: parseLmsVersion },
  health: { path: '/lmstudio-greeting', judge: judgeLmStudioHealth },
  // `lms` may first have to start the LM Studio daemon.
  startDeadlineMs: 60_000,
  launcherExits: true,
  models: { path: '/api/v0/models', parse: parseLmStudioModels },
  buildLaunchPlan: buildLmStudioLaunchPlan,
};
