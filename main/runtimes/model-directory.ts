/**
 * The models Homeport serves, as the gateway routes them and the control API
 * lists them: shared by the runtimes (which build the directory) and the
 * layers above (which read it), so it lives here, below both.
 */
import type { RuntimeHandle } from './types.js';

/** One model as the gateway routes it. */
export interface ModelEntry {
  /** Unique id across all runtimes, as clients name it. */
  readonly id: string;
  readonly aliases: readonly string[];
  /** `owned_by` in /v1/models (the runtime kind). */
  readonly ownedBy: string;
  /** Unix seconds. */
  readonly created: number;
  /**
   * The name the upstream runtime knows this model by. When it differs from
   * what the client sent, the gateway rewrites the body's `model`; otherwise
   * the raw body is forwarded untouched.
   */
  readonly upstreamModel: string;
  readonly runtime: RuntimeHandle;
  /** When a running runtime server was found offering this model (ms since the epoch); absent for configured models. */
  readonly detectedAt?: number;
}

/** Resolves client model names (id or alias) to entries. Implemented by the engine. */
export interface ModelDirectory {
  resolve(name: string): ModelEntry | undefined;
  list(): readonly ModelEntry[];
}
