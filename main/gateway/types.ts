import type { RequestHandler, Router } from 'express';
import type { MetricsSink } from '../metrics/types.js';
import type { AppKeyStore } from '../keys/key-store.js';
import type { Router as RequestRouter } from '../routing/router.js';
import type { RequestLog } from '../requests/request-log.js';
import type { GatewaySurfaces } from './surfaces/index.js';

// The model directory's shapes live with the runtimes (below the gateway); re-exported for the gateway's files.
export type { ModelDirectory, ModelEntry } from '../runtimes/model-directory.js';
import type { ModelDirectory } from '../runtimes/model-directory.js';

export interface GatewayOptions {
  /** The port the gateway listens on; the Host allowlist is built from it. */
  readonly port: number;
  readonly models: ModelDirectory;
  /** Looks for runtime servers again before a model name nobody serves is answered 404. */
  readonly refreshOnMiss?: () => Promise<void>;
  readonly metrics: MetricsSink;
  /** Max request body (default 8 MiB). */
  readonly bodyLimitBytes: number;
  /** How long a request waits for a runtime that is not ready (ms). */
  readonly readyDeadlineMs: number;
  /** Extra routes mounted under /homeport/v1 behind the same host/origin guards. */
  readonly controlRoutes?: Router;
  /** The control token every /homeport request must carry (required with controlRoutes; see control/control-token.ts). */
  readonly controlToken?: string;
  /** More `host:port` names the Host check accepts (LAN exposure: lan-hosts.ts). */
  readonly extraHosts?: readonly string[];
  /** App keys: once one exists, /v1 and /metrics require a key (gateway/app-key-guard.ts). */
  readonly appKeys?: AppKeyStore;
  /** The Responses and Anthropic Messages surfaces (gateway/surfaces/), mounted beside the chat endpoints and connected to the chat handler. */
  readonly surfaces?: GatewaySurfaces;
  /** GET /metrics (metrics/prometheus.ts), behind the same guards as /v1 (a key once keys exist). */
  readonly metricsRoute?: Router;
  /** The panel's pages (control/panel-static.ts), served at / behind the same guards; after every API route. */
  readonly panel?: RequestHandler;
  /** Puts the router between the gateway and the runtimes for model names that have a route (routing/router.ts). */
  readonly router?: RequestRouter;
  /** Where every request's record goes (requests/request-log.ts). */
  readonly requests?: RequestLog;
  /** Where unexpected errors are reported (default: stderr). Never receives request bodies or secrets. */
  readonly logError?: (message: string, err: unknown) => void;
}
