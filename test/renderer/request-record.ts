import type { RequestRecord } from '../../preload/contract.js';

/** A request record as the engine sends it, just started (queued, nothing measured yet); tests patch what they need. */
export function requestRecord(id: string, patch: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    time: 1_000,
    client: 'curl/8',
    route: null,
    model: 'stories',
    endpoint: 'chat.completions',
    stream: true,
    phase: 'queued',
    attempts: [],
    finalTier: null,
    finalTarget: null,
    cache: { result: 'off' },
    ttftMs: null,
    durationMs: 0,
    promptTokens: null,
    completionTokens: null,
    decodeTokPerSec: null,
    costUsd: 0,
    savedUsd: 0,
    status: 0,
    ...patch,
  };
}
