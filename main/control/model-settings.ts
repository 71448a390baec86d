/**
 * Per-model settings (context, parallel slots, GPU layers, idle TTL, aliases)
 * changed from the panel or the API. They are kept as overrides over what the
 * config file and the command line say, in `<data dir>/state/model-settings.json`
 * (atomic writes), and read by the embedded runtime's launch plan at every
 * load — so a load from the panel, the API or an on-demand request uses the
 * same values.
 *
 * What applies when:
 * - ctx and parallel: at the model's next load (a loaded model keeps its
 *   context until it is unloaded; the view says `appliesOnNextLoad`);
 * - aliases: at once (the model directory is swapped whole);
 * - ttlMinutes: at once where the engine applies it (model-control `setTtl`), else from the next start (`restartRequired`);
 * - gpuLayers: read-only for the embedded runtime, which runs on the CPU.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ModelSettings, ModelSettingsView } from '../../preload/contract.js';

const aliasName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, { error: 'an alias uses letters, digits and . _ : / - only (at most 128 characters)' });

export const modelSettingsPatchSchema = z
  .object({
    ctx: z.number().int().min(128).max(1_048_576).optional(),
    parallel: z.number().int().min(1).max(64).optional(),
    gpuLayers: z.number().int().min(0).max(1000).nullable().optional(),
    ttlMinutes: z.number().min(0).max(525_600).nullable().optional(),
    aliases: z.array(aliasName).max(32).optional(),
  })
  .strict();

export type ModelSettingsPatch = z.infer<typeof modelSettingsPatchSchema>;
type Overrides = Partial<ModelSettings>;

const fileSchema = z.object({ version: z.literal(1), models: z.record(z.string(), modelSettingsPatchSchema) });

/** The overrides file: read once, written atomically on every change. */
export class ModelSettingsStore {
  private constructor(
    readonly path: string,
    private overrides: Map<string, Overrides>,
  ) {}

  static async open(path: string): Promise<ModelSettingsStore> {
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parsed = text === null ? null : fileSchema.safeParse(safeJson(text));
    // A damaged file is not fatal: the models run with their configured settings.
    const models = parsed?.success ? parsed.data.models : {};
    return new ModelSettingsStore(path, new Map(Object.entries(models).map(([id, o]) => [id, o as Overrides])));
  }

  get(id: string): Overrides {
    return this.overrides.get(id) ?? {};
  }

  /** Merge `patch` into the model's overrides and save. `null` for gpuLayers/ttlMinutes means "back to the default". */
  async update(id: string, patch: ModelSettingsPatch): Promise<Overrides> {
    const next: Record<string, unknown> = { ...this.get(id) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    this.overrides.set(id, next as Overrides);
    await this.save();
    return next as Overrides;
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(`${JSON.stringify({ version: 1, models: Object.fromEntries(this.overrides) }, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, this.path);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** What the config and command line say for a model, before overrides. */
export interface ModelSettingsBase {
  readonly ctx: number;
  readonly parallel: number;
  readonly ttlMinutes: number | null;
  readonly aliases: readonly string[];
}

export function effectiveSettings(base: ModelSettingsBase, overrides: Overrides): ModelSettings {
  return {
    ctx: overrides.ctx ?? base.ctx,
    parallel: overrides.parallel ?? base.parallel,
    gpuLayers: overrides.gpuLayers ?? null,
    ttlMinutes: overrides.ttlMinutes ?? base.ttlMinutes,
    aliases: overrides.aliases ?? base.aliases,
  };
}

export interface SettingsViewInput {
  readonly id: string;
  readonly settings: ModelSettings;
  /** ctx/parallel the running process was started with; null when not loaded. */
  readonly loadedWith: { readonly ctx: number; readonly parallel: number } | null;
  /** ttl the pool uses now (minutes; null = default). */
  readonly ttlInEffect: number | null;
  readonly readOnly: readonly (keyof ModelSettings)[];
  readonly reason: string | null;
}

/** The view the panel shows: pure. */
export function describeModelSettings(input: SettingsViewInput): ModelSettingsView {
  const { settings, loadedWith } = input;
  return {
    id: input.id,
    settings,
    appliesOnNextLoad: loadedWith !== null && (loadedWith.ctx !== settings.ctx || loadedWith.parallel !== settings.parallel),
    restartRequired: settings.ttlMinutes !== input.ttlInEffect ? ['ttlMinutes'] : [],
    readOnly: input.readOnly,
    reason: input.reason,
  };
}

/** A patch touching a read-only setting is refused as a whole, naming the setting and why. */
export function refusedKeys(patch: ModelSettingsPatch, readOnly: readonly (keyof ModelSettings)[]): (keyof ModelSettings)[] {
  return (Object.keys(patch) as (keyof ModelSettings)[]).filter((key) => patch[key] !== undefined && readOnly.includes(key));
}
