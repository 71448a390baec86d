import type { Router } from 'express';
import type { RuntimeHandle } from '../runtimes/types.js';
import type { MetricsSink } from '../metrics/types.js';

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
}

/** Resolves client model names (id or alias) to entries. Implemented by the engine. */
export interface ModelDirectory {
  resolve(name: string): ModelEntry | undefined;
  list(): readonly ModelEntry[];
}

export interface GatewayOptions {
  /** The port the gateway listens on; the Host allowlist is built from it. */
  readonly port: number;
  readonly models: ModelDirectory;
  readonly metrics: MetricsSink;
  /** Max request body (default 8 MiB). */
  readonly bodyLimitBytes: number;
  /** How long a request waits for a runtime that is not ready (ms). */
  readonly readyDeadlineMs: number;
  /** Extra routes mounted under /homeport/v1 behind the same host/origin guards. */
  readonly controlRoutes?: Router;
  /** Where unexpected errors are reported (default: stderr). Never receives request bodies or secrets. */
  readonly logError?: (message: string, err: unknown) => void;
}
