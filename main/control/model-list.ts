import { resolve } from 'node:path';
import type { ModelEntry } from '../gateway/types.js';
import type { PoolModelSnapshot } from '../lifecycle/model-pool.js';
import type { RuntimeState } from '../runtimes/types.js';
import type { ModelFeatures } from '../probe/types.js';

/** What the engine knows about a model beyond routing. */
export interface ModelFacts {
  readonly path?: string;
  readonly sizeBytes?: number;
  readonly contextLength?: number;
  readonly parallel?: number;
}

export type ModelLoadState = 'available' | 'loading' | 'loaded' | 'unloading' | 'failed';

export interface ModelView {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly runtime: string;
  readonly ownedBy: string;
  readonly state: ModelLoadState;
  readonly sizeBytes: number | null;
  readonly contextLength: number | null;
  readonly parallel: number | null;
  readonly port: number | null;
  readonly inFlight: number;
  readonly lastUsedAt: string | null;
  /** When the idle TTL will unload it, if it stays idle. */
  readonly idleUnloadAt: string | null;
  readonly lastError: string | null;
  /** What the feature probe found on the runtime version serving it now (probe/); null when not probed. */
  readonly features?: ModelFeatures | null;
  /** When a running runtime server was found offering it (ISO time); absent for models Homeport configures or starts. */
  readonly detectedAt?: string | null;
  /** The bundled demo model (main/models/demo/): it shows Homeport working and is far too small for real use. */
  readonly demo?: true;
  /**
   * Loaded by something Homeport does not control (a server it attached to, another client of a shared daemon):
   * Homeport cannot unload it, and Unload is refused.
   */
  readonly externallyManaged?: true;
}

const LOAD_STATE: Readonly<Record<RuntimeState, ModelLoadState>> = {
  stopped: 'available',
  starting: 'loading',
  ready: 'loaded',
  stopping: 'unloading',
  failed: 'failed',
};

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

/** The extended model list (`GET /homeport/v1/models`): routing entries joined with pool state and facts. */
export function describeModels(input: {
  readonly entries: readonly ModelEntry[];
  readonly pool: readonly PoolModelSnapshot[];
  readonly facts: ReadonlyMap<string, ModelFacts>;
  /** The probe's verdicts per model (probe/probe-service.ts); without it the field is left out. */
  readonly features?: (id: string) => ModelFeatures | null;
  /** The bundled demo model's path, when it is there: a model served from it is marked `demo`. */
  readonly demoPath?: string | null;
}): ModelView[] {
  const pool = new Map(input.pool.map((p) => [p.id, p]));
  return input.entries.map((entry) => {
    const runtime = entry.runtime.snapshot();
    const managed = pool.get(entry.id);
    const facts = input.facts.get(entry.id) ?? {};
    return {
      id: entry.id,
      aliases: entry.aliases,
      runtime: runtime.id,
      ownedBy: entry.ownedBy,
      state: LOAD_STATE[runtime.state],
      sizeBytes: facts.sizeBytes ?? null,
      contextLength: facts.contextLength ?? null,
      parallel: facts.parallel ?? null,
      port: runtime.port,
      inFlight: managed?.inFlight ?? 0,
      lastUsedAt: iso(managed?.lastUsedAt),
      idleUnloadAt: iso(managed?.idleUnloadAt),
      lastError: runtime.lastError,
      ...(entry.detectedAt !== undefined ? { detectedAt: iso(entry.detectedAt) } : {}),
      ...(input.features ? { features: input.features(entry.id) } : {}),
      ...(entry.runtime.managesLoad?.() === false ? { externallyManaged: true as const } : {}),
      ...(input.demoPath && facts.path !== undefined && resolve(facts.path) === input.demoPath ? { demo: true as const } : {}),
    };
  });
}
