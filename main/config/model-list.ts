import { basename } from 'node:path';
import type { HomeportConfig, ModelConfig } from './schema.js';
import { defaultThreads } from './schema.js';

/** Runtime settings after defaults and overrides are applied. */
export interface ModelTuning {
  readonly ctx: number;
  readonly parallel: number;
  readonly threads: number;
  readonly queue: number;
}

export interface ResolvedModel {
  readonly id: string;
  readonly path: string;
  readonly aliases: readonly string[];
  readonly tuning: ModelTuning;
  /** Idle minutes before unloading; undefined = the lifecycle default. */
  readonly ttlMinutes?: number;
  /** Where the model came from: the config file, the command line or the models folder. */
  readonly source: 'config' | 'cli' | 'models-folder';
}

export interface ModelListInput {
  readonly config: HomeportConfig;
  /** `--model` paths: when given they replace the configured list. */
  readonly cliPaths: readonly string[];
  /** .gguf files found in the data dir's models folder (used only without --model). */
  readonly folderPaths: readonly string[];
  /** Command-line tuning that beats the config. */
  readonly overrides: Partial<ModelTuning>;
  readonly cores: number;
}

export const BUILTIN_TUNING: ModelTuning = { ctx: 2048, parallel: 4, threads: 1, queue: 64 };

/** `Llama-3.1-8B-Instruct-Q4_K_M.gguf` → `llama-3.1-8b-instruct-q4_k_m`. */
export function modelIdFromPath(path: string): string {
  const slug = basename(path)
    .replace(/\.gguf$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '')
    .slice(0, 128);
  return slug || 'model';
}

/**
 * Pure: which models to serve and with what settings. `--model` replaces the
 * configured list; otherwise config models then the models folder (a file
 * already configured is not listed twice). Ids stay unique: a clash gets a
 * `-2`, `-3` suffix. Threads never exceed the machine's cores.
 */
export function resolveModelList(input: ModelListInput): ResolvedModel[] {
  const { config, cliPaths, folderPaths, overrides, cores } = input;
  const base: ModelTuning = {
    ctx: config.defaults.ctx ?? BUILTIN_TUNING.ctx,
    parallel: config.defaults.parallel ?? BUILTIN_TUNING.parallel,
    threads: config.defaults.threads ?? defaultThreads(cores),
    queue: config.defaults.queue ?? BUILTIN_TUNING.queue,
  };
  const wanted: Array<{ model: Partial<ModelConfig> & { path: string }; source: ResolvedModel['source'] }> = [];
  if (cliPaths.length > 0) {
    for (const path of cliPaths) wanted.push({ model: { path }, source: 'cli' });
  } else {
    for (const model of config.models) wanted.push({ model, source: 'config' });
    const configured = new Set(config.models.map((m) => m.path));
    for (const path of folderPaths) if (!configured.has(path)) wanted.push({ model: { path }, source: 'models-folder' });
  }

  const taken = new Set<string>();
  const unique = (id: string): string => {
    let candidate = id;
    for (let n = 2; taken.has(candidate); n++) candidate = `${id}-${n}`;
    taken.add(candidate);
    return candidate;
  };
  // Explicit ids claim their names first so a slug never steals one.
  for (const { model } of wanted) if (model.id) taken.add(model.id);

  return wanted.map(({ model, source }) => {
    const tuning: ModelTuning = {
      ctx: overrides.ctx ?? model.ctx ?? base.ctx,
      parallel: overrides.parallel ?? model.parallel ?? base.parallel,
      threads: Math.min(cores, overrides.threads ?? model.threads ?? base.threads),
      queue: overrides.queue ?? model.queue ?? base.queue,
    };
    return {
      id: model.id ?? unique(modelIdFromPath(model.path)),
      path: model.path,
      aliases: model.aliases ?? [],
      tuning,
      ttlMinutes: model.ttlMinutes,
      source,
    };
  });
}
