import type { ModelEntry } from './types.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../runtimes/types.js';
import { GatewayError } from './errors.js';

/** How many model ids a "not found" message lists before summarising. */
const LISTED_IDS = 30;
/** What a 503 for a runtime that is still starting suggests as a retry delay (seconds). */
const RETRY_AFTER_SECONDS = '5';

/** 404 for a model name that is neither an id nor an alias; the message lists what exists. */
export function modelNotFound(name: string, available: readonly ModelEntry[]): GatewayError {
  let listing: string;
  if (available.length === 0) {
    listing = 'No models are available yet: add or start one in Homeport.';
  } else {
    const ids = available.slice(0, LISTED_IDS).map((entry) => entry.id);
    const more = available.length > LISTED_IDS ? ` and ${available.length - LISTED_IDS} more (GET /v1/models)` : '';
    listing = `Available models: ${ids.join(', ')}${more}.`;
  }
  return new GatewayError({
    status: 404,
    code: 'model_not_found',
    param: 'model',
    message: `The model ${JSON.stringify(name)} does not exist in Homeport. ${listing}`,
  });
}

/**
 * 503 for a runtime that could not be made ready in time, or that failed.
 * Returns undefined for any other error (a bug, answered as a 500).
 */
export function runtimeUnavailable(err: unknown): GatewayError | undefined {
  if (err instanceof RuntimeNotReadyError) {
    return new GatewayError({
      status: 503,
      code: 'runtime_not_ready',
      headers: { 'Retry-After': RETRY_AFTER_SECONDS },
      message: `The runtime ${err.runtimeId} is not ready (state: ${err.state}): ${err.message}. It may still be loading the model; try again in a few seconds, and if this persists check Homeport's runtime logs.`,
    });
  }
  if (err instanceof RuntimeFailedError) {
    return new GatewayError({
      status: 503,
      code: 'runtime_failed',
      message: `The runtime ${err.runtimeId} has failed: ${err.reason}. Check Homeport's runtime logs, fix the cause, then restart the runtime from Homeport.`,
    });
  }
  return undefined;
}
