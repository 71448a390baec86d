/**
 * What Homeport needs from a daemon runtime (one server, many models:
 * Ollama, LM Studio) to give each model its own RuntimeHandle: which models
 * exist, which are loaded, and how to load and unload one.
 *
 * Implementations speak HTTP (or run a CLI) against the daemon's endpoint;
 * they hold no state, so the endpoint is passed in on every call (a spawned
 * daemon gets a new port when it restarts).
 */
import type { ExternalRuntimeKind } from '../adapters/common.js';
import type { RuntimeEndpoint } from '../../types.js';

export type DaemonKind = Extract<ExternalRuntimeKind, 'ollama' | 'lmstudio'>;

/** A model the daemon can serve (downloaded / pulled). */
export interface DaemonModelInfo {
  /** The name the daemon expects as `model`. */
  readonly name: string;
  readonly type: 'llm' | 'embedding' | 'unknown';
  /** Size of the weights on disk, when the daemon says. */
  readonly sizeBytes: number | null;
  /** The most context the model supports, when the daemon says. */
  readonly maxContextLength: number | null;
}

/** A model loaded in the daemon right now. */
export interface LoadedModelInfo {
  readonly name: string;
  /** The context it is loaded with, when the daemon says. */
  readonly contextLength: number | null;
  /** Memory it takes while loaded, when the daemon says. */
  readonly sizeBytes: number | null;
}

export interface LoadModelRequest {
  readonly model: string;
  /** Context to load with; absent = the daemon's own default. */
  readonly contextLength?: number;
  readonly signal: AbortSignal;
}

export interface DaemonProtocol {
  readonly kind: DaemonKind;
  readonly displayName: string;
  listModels(endpoint: RuntimeEndpoint, signal: AbortSignal): Promise<DaemonModelInfo[]>;
  listLoaded(endpoint: RuntimeEndpoint, signal: AbortSignal): Promise<LoadedModelInfo[]>;
  /** Resolves once the daemon reports the model loaded; rejects with a readable reason. */
  load(endpoint: RuntimeEndpoint, request: LoadModelRequest): Promise<void>;
  /** Asks the daemon to unload; the caller polls listLoaded until it is gone. */
  unload(endpoint: RuntimeEndpoint, model: string, signal: AbortSignal): Promise<void>;
}
