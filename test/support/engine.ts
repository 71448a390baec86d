import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startEngine, type Engine, type EngineOptions } from '../../main/engine.js';
import { parseConfig } from '../../main/config/store.js';
import type { ConfigInput } from '../../main/config/schema.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { testModel } from './models.js';
import { controlFetch, controlHeaders, engineControlToken } from './control-token.js';

export interface TestEngine {
  readonly engine: Engine;
  readonly client: OpenAI;
  readonly origin: string;
  /** The first embedded model's id; '' when the engine serves external runtimes only (`modelPaths: []`). */
  readonly modelId: string;
  readonly dataDir: string;
  /** The engine's control token (every /homeport call needs it). */
  readonly controlToken: string;
  /** `Authorization: Bearer <control token>` merged into `headers`. */
  controlHeaders(headers?: HeadersInit): Headers;
  /** fetch on the engine's origin with the control token: `controlFetch('/homeport/v1/status')`. */
  controlFetch(path: string, init?: RequestInit): Promise<Response>;
}

/** A real engine on a free port serving stories260K with threads 1, plus an official OpenAI SDK client for it. */
export async function startTestEngine(
  options: { config?: ConfigInput; modelPaths?: string[]; tuning?: EngineOptions['tuning']; cuda?: EngineOptions['cuda']; log?: EngineOptions['log'] } = {},
): Promise<TestEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'homeport-engine-'));
  const port = await allocatePort({ host: '127.0.0.1' });
  const engine = await startEngine({
    config: parseConfig({ supervisor: { startDeadlineMs: 60_000, stopTimeoutMs: 3_000, crashLimit: { count: 5, windowMs: 60_000 }, backoff: { initialMs: 100, factor: 2, maxMs: 2_000 }, logLines: 200 }, ...options.config }),
    dataDir,
    modelPaths: options.modelPaths ?? [testModel('stories260K.gguf')],
    portOverride: port,
    tuning: { threads: 1, parallel: 4, ctx: 512, ...options.tuning },
    // vLLM is only offered with a CUDA GPU; tests say so explicitly instead of probing this machine.
    ...(options.cuda !== undefined ? { cuda: options.cuda } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
  await engine.whenReady(60_000);
  const client = new OpenAI({ baseURL: engine.baseUrl, apiKey: 'homeport-test', maxRetries: 0, timeout: 30_000 });
  const origin = `http://127.0.0.1:${port}`;
  const controlToken = await engineControlToken(dataDir);
  return {
    engine,
    client,
    origin,
    modelId: engine.models[0]?.id ?? '',
    dataDir,
    controlToken,
    controlHeaders: (headers) => controlHeaders(controlToken, headers),
    controlFetch: (path, init) => controlFetch(controlToken, `${origin}${path}`, init),
  };
}
