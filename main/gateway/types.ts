import type { RequestHandler, Router } from 'express';
import type { MetricsSink } from '../metrics/types.js';

// The model directory's shapes live with the runtimes (below the gateway); re-exported for the gateway's files.
export type { ModelDirectory, ModelEntry } from '../runtimes/model-directory.js';
import type { ModelDirectory } from '../runtimes/model-directory.js';

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
  /** The control token every /homeport request must carry (required with controlRoutes; see control/control-token.ts). */
  readonly controlToken?: string;
  /** The panel's pages (control/panel-static.ts), served at / behind the same guards; after every API route. */
  readonly panel?: RequestHandler;
  /** Where unexpected errors are reported (default: stderr). Never receives request bodies or secrets. */
  readonly logError?: (message: string, err: unknown) => void;
}
