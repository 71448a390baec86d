/**
 * The engine side of model-routes.ts: load and unload through the pool,
 * per-model settings through the overrides store. The engine hands in the
 * parts; nothing here knows how they were built.
 */
import type { ModelSettings, ModelSettingsView, ModelView } from '../../preload/contract.js';
import type { RuntimeHandle } from '../runtimes/types.js';
import { GatewayError } from '../gateway/errors.js';
import type { ModelControl } from './model-routes.js';
import { describeModelSettings, effectiveSettings, refusedKeys, type ModelSettingsBase, type ModelSettingsPatch, type ModelSettingsStore } from './model-settings.js';

export interface ModelControlOptions {
  readonly models: () => readonly ModelView[];
  /** The pool's handle for a model (load = start through admission, unload = stop). */
  readonly handle: (id: string) => RuntimeHandle | undefined;
  readonly store: ModelSettingsStore;
  /** Config and command-line values of an embedded model; undefined for other runtimes' models. */
  readonly base: (id: string) => ModelSettingsBase | undefined;
  /** ctx/parallel the running process was started with; null when not loaded. */
  readonly loadedWith: (id: string) => { readonly ctx: number; readonly parallel: number } | null;
  /** The idle TTL (minutes) the pool applies to it now; null = the engine default. */
  readonly ttlInEffect: (id: string) => number | null;
  /** Swap the model's aliases in the directory (throws when a name is taken). */
  readonly setAliases: (id: string, aliases: readonly string[]) => void;
  /** Apply a model's idle TTL now (minutes; null = the engine default). Without it a new TTL waits for a restart. */
  readonly setTtl?: (id: string, ttlMinutes: number | null) => void;
}

const EMBEDDED_READ_ONLY: readonly (keyof ModelSettings)[] = ['gpuLayers'];
const EXTERNAL_READ_ONLY: readonly (keyof ModelSettings)[] = ['ctx', 'parallel', 'gpuLayers', 'aliases'];

export function createModelControl(options: ModelControlOptions): ModelControl {
  const view = (id: string) => options.models().find((m) => m.id === id);

  function settings(id: string): ModelSettingsView | undefined {
    const model = view(id);
    if (!model) return undefined;
    const base = options.base(id);
    if (!base) {
      return describeModelSettings({
        id,
        settings: { ctx: model.contextLength ?? 0, parallel: model.parallel ?? 1, gpuLayers: null, ttlMinutes: options.store.get(id).ttlMinutes ?? null, aliases: model.aliases },
        loadedWith: null,
        ttlInEffect: options.ttlInEffect(id),
        readOnly: EXTERNAL_READ_ONLY,
        reason: `"${id}" is served by ${model.ownedBy}, which decides its context, slots, GPU layers and names; only the idle TTL is Homeport's.`,
      });
    }
    return describeModelSettings({
      id,
      settings: effectiveSettings(base, options.store.get(id)),
      loadedWith: options.loadedWith(id),
      ttlInEffect: options.ttlInEffect(id),
      readOnly: EMBEDDED_READ_ONLY,
      reason: 'The embedded runtime runs models on the CPU here, so GPU layers do not apply.',
    });
  }

  return {
    view,
    async load(id) {
      const handle = options.handle(id);
      if (!handle) throw new GatewayError({ status: 404, code: 'model_not_found', message: `No model "${id}".` });
      await handle.start();
    },
    async unload(id) {
      const handle = options.handle(id);
      if (handle?.managesLoad?.() === false) {
        // Its stop() would only let go of the model: the memory stays taken, so say so instead of seeming to unload.
        throw new GatewayError({
          status: 409,
          code: 'unload_not_possible',
          message: `"${id}" is loaded by ${handle.id}, which runs on its own: Homeport did not load it and cannot unload it. Stop that server, or unload the model there, to free its memory.`,
        });
      }
      await handle?.stop();
    },
    settings,
    async updateSettings(id, patch: ModelSettingsPatch) {
      const before = settings(id);
      if (!before) throw new GatewayError({ status: 404, code: 'model_not_found', message: `No model "${id}".` });
      const refused = refusedKeys(patch, before.readOnly);
      if (refused.length > 0) {
        throw new GatewayError({ status: 409, code: 'setting_read_only', param: refused[0]!, message: `${refused.join(', ')} cannot be changed for "${id}": ${before.reason ?? 'read-only'}` });
      }
      if (patch.aliases !== undefined) {
        try {
          options.setAliases(id, patch.aliases);
        } catch (error) {
          throw new GatewayError({ status: 409, code: 'alias_taken', param: 'aliases', message: (error as Error).message });
        }
      }
      await options.store.update(id, patch);
      if (patch.ttlMinutes !== undefined && options.setTtl) options.setTtl(id, options.store.get(id).ttlMinutes ?? options.base(id)?.ttlMinutes ?? null);
      return settings(id)!;
    },
  };
}
