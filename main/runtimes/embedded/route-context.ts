import type { ServerResponse } from 'node:http';
import type { ModelHost } from './model-host.js';

/** What a route handler of a ready worker gets for one request. */
export interface RouteContext {
  readonly host: ModelHost;
  /** The parsed JSON body (not yet validated). */
  readonly body: unknown;
  readonly response: ServerResponse;
  /** Fires when the client disconnects or the worker shuts down. */
  readonly signal: AbortSignal;
}
