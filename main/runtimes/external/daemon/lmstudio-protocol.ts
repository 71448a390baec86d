/**
 * LM Studio's management surface as a DaemonProtocol (facts:
 * lmstudio-ai/lms src/ and lmstudio-ai/docs; see also ../adapters/lmstudio.ts).
 *
 * - models and loaded state: GET /api/v0/models (`state: loaded|not-loaded`);
 *   sizes from GET /api/v1/models when the server has it (0.4.0+);
 * - load: `lms load KEY --identifier KEY [-c CTX] -y` when the lms CLI is
 *   installed, else REST POST /api/v1/models/load {model, context_length};
 *   the identifier is the key itself, so clients (and Homeport) keep naming
 *   the model by its key;
 * - unload: `lms unload KEY`, else POST /api/v1/models/unload {instance_id}.
 *   `lms unload` exits 0 even for an unknown identifier, so the caller polls
 *   the model list until the model shows as not loaded.
 */
import { z } from 'zod';
import { firstLine } from '../adapters/common.js';
import { buildLmStudioLoadCommand, buildLmStudioUnloadCommand, lmStudioAdapter } from '../adapters/lmstudio.js';
import type { CliCommand } from '../adapters/lmstudio.js';
import type { CommandOutput, RunCommand } from '../detect.js';
import type { RuntimeEndpoint } from '../../types.js';
import { DaemonRequestError, describeFailure, errorIn, requestJson } from './json-request.js';
import type { DaemonModelInfo, DaemonProtocol } from './protocol.js';

export interface LmStudioProtocolOptions {
  /** Full path of `lms`; null = not installed, use the REST API. */
  readonly lmsPath: string | null;
  readonly runCommand: RunCommand;
  /** Environment for `lms` (PATH, HOME...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `lms load` may download nothing but still load gigabytes. Default 10 min. */
  readonly loadTimeoutMs?: number;
  /** Other lms commands. Default 60 s. */
  readonly commandTimeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const v1SizesSchema = z.object({ models: z.array(z.object({ key: z.string(), size_bytes: z.number().optional() })) });

function describeCommandFailure(command: CliCommand, output: CommandOutput, timeoutMs: number): string {
  const shown = `lms ${command.args.join(' ')}`;
  if (output.timedOut) return `\`${shown}\` did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
  const detail = firstLine(output.stderr) || firstLine(output.stdout) || 'no output';
  return `\`${shown}\` failed (exit ${output.code ?? 'none'}): ${detail}`;
}

export function lmStudioProtocol(options: LmStudioProtocolOptions): DaemonProtocol {
  const loadTimeoutMs = options.loadTimeoutMs ?? 10 * 60_000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 60_000;

  const lms = async (command: CliCommand, timeoutMs: number): Promise<void> => {
    const output = await options.runCommand(command.command, command.args, { env: options.env, timeoutMs });
    if (output.timedOut || output.code !== 0) throw new DaemonRequestError(describeCommandFailure(command, output, timeoutMs));
  };

  const post = async (endpoint: RuntimeEndpoint, path: string, body: unknown, signal: AbortSignal, what: string): Promise<unknown> => {
    const response = await requestJson({ endpoint, method: 'POST', path, body, signal, fetch: options.fetch });
    // LM Studio answers unknown paths with 200 {"error": ...}: judge by the body too.
    const error = errorIn(response.json);
    if (response.status !== 200 || error !== null) throw new DaemonRequestError(`LM Studio did not ${what}: ${describeFailure(response)}`);
    return response.json;
  };

  const listV0 = async (endpoint: RuntimeEndpoint, signal: AbortSignal) => {
    const path = lmStudioAdapter.models.path;
    const response = await requestJson({ endpoint, method: 'GET', path, signal, fetch: options.fetch });
    if (response.status !== 200) throw new DaemonRequestError(`GET ${path} answered ${describeFailure(response)}`);
    const parsed = lmStudioAdapter.models.parse(response.json);
    if (!parsed.ok) throw new DaemonRequestError(parsed.reason);
    return parsed.value;
  };

  /** Sizes by key from /api/v1/models; empty when this LM Studio has no such endpoint. */
  const sizes = async (endpoint: RuntimeEndpoint, signal: AbortSignal): Promise<Map<string, number>> => {
    try {
      const response = await requestJson({ endpoint, method: 'GET', path: '/api/v1/models', signal, fetch: options.fetch });
      const parsed = v1SizesSchema.safeParse(response.json);
      if (response.status !== 200 || !parsed.success) return new Map();
      return new Map(parsed.data.models.flatMap((m) => (m.size_bytes !== undefined ? [[m.key, m.size_bytes] as const] : [])));
    } catch {
      return new Map();
    }
  };

  return {
    kind: 'lmstudio',
    displayName: 'LM Studio',

    async listModels(endpoint, signal): Promise<DaemonModelInfo[]> {
      const [models, sizeByKey] = await Promise.all([listV0(endpoint, signal), sizes(endpoint, signal)]);
      return models.map((m) => ({ name: m.id, type: m.type, sizeBytes: sizeByKey.get(m.id) ?? m.sizeBytes, maxContextLength: m.maxContextLength }));
    },

    async listLoaded(endpoint, signal) {
      const models = await listV0(endpoint, signal);
      return models.filter((m) => m.loaded === true).map((m) => ({ name: m.id, contextLength: m.contextLength, sizeBytes: null }));
    },

    async load(endpoint, request) {
      if (options.lmsPath !== null) {
        const command = buildLmStudioLoadCommand({
          modelKey: request.model,
          identifier: request.model,
          contextLength: request.contextLength,
          binaryPath: options.lmsPath,
        });
        await lms(command, loadTimeoutMs);
        return;
      }
      const body = { model: request.model, ...(request.contextLength !== undefined ? { context_length: request.contextLength } : {}) };
      const answer = await post(endpoint, '/api/v1/models/load', body, request.signal, `load ${request.model}`);
      if ((answer as { status?: unknown }).status !== 'loaded') throw new DaemonRequestError(`LM Studio did not report ${request.model} as loaded`);
    },

    async unload(endpoint, model, signal) {
      if (options.lmsPath !== null) {
        await lms(buildLmStudioUnloadCommand({ identifier: model }, options.lmsPath), commandTimeoutMs);
        return;
      }
      await post(endpoint, '/api/v1/models/unload', { instance_id: model }, signal, `unload ${model}`);
    },
  };
}
