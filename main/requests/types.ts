/**
 * The request log's shapes: one record per request the gateway answers,
 * the live phase of requests in flight, and per-day totals. The panel reads
 * these through the control API as they are. Lifecycle decisions (load, evict,
 * unload) are a different thing and live in lifecycle/decisions.ts.
 *
 * A record never holds a secret: no header, no API key, no request body.
 */

/** Where an answer came from (or was tried). */
export type Tier = 'cache' | 'local' | 'network' | 'cloud';

/** Where a request is now. `queued`: waiting for a runtime or a slot; `prefill`: sent, no token yet. */
export type RequestPhase = 'queued' | 'prefill' | 'generating' | 'done';

/** What happened to one target (or the cache) for one request. */
export type AttemptOutcome =
  /** It answered (the answer may still be a 4xx the client sent a bad request for). */
  | 'answered'
  /** Skipped without being called: busy, offline, circuit open, over budget, privacy, context too small. */
  | 'skipped'
  /** Called and failed before the first byte (connection error, timeout, 429, 5xx); the router moved on. */
  | 'failed'
  /** Failed after the answer had started; the client got an error event. */
  | 'broken'
  /** The client went away. */
  | 'cancelled'
  /** Cache: a hit, a miss, or bypassed. */
  | 'hit'
  | 'miss'
  | 'bypass';

export interface Attempt {
  /** `local:<model>`, `<provider>:<model>`, or `cache`. */
  readonly target: string;
  readonly tier: Tier;
  readonly outcome: AttemptOutcome;
  /** Human-readable, e.g. `local:llama3 busy: 4/4 slots, predicted wait 6.1 s > 2 s`. */
  readonly reason: string;
  /** Upstream HTTP status, when there was one. */
  readonly status?: number;
  /** How long this attempt took (ms). */
  readonly ms?: number;
  /** Tries of this target (retries included), when called. */
  readonly tries?: number;
}

export type CacheResult = 'hit' | 'miss' | 'bypass' | 'off';

export interface RequestRecord {
  /** `req_…`, also sent as `x-homeport-request-id`. */
  readonly id: string;
  /** Unix ms when the request arrived. */
  readonly time: number;
  /** The API key's name when keys are in use, else the client's User-Agent (or `unknown`). */
  readonly client: string;
  /** The route name, or null when the model has no route (served by its local model as before). */
  readonly route: string | null;
  /** The model name the client asked for. */
  readonly model: string;
  /** e.g. `chat.completions`, `completions`, `embeddings`. */
  readonly endpoint: string;
  readonly stream: boolean;
  readonly phase: RequestPhase;
  /** Everything tried, in order (cache first when it was consulted). */
  readonly attempts: readonly Attempt[];
  /** The tier that answered; null when nothing did. */
  readonly finalTier: Tier | null;
  /** The target that answered, e.g. `local:llama3`; null when nothing did. */
  readonly finalTarget: string | null;
  readonly cache: { readonly result: CacheResult; readonly similarity?: number; readonly matchedEntryId?: string; readonly reason?: string };
  /** Time to first token (ms), null when none came. */
  readonly ttftMs: number | null;
  /** Whole request (ms); while in flight, the time so far. */
  readonly durationMs: number;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  /** Tokens after the first ÷ time after the first; null for non-stream or one-token answers. */
  readonly decodeTokPerSec: number | null;
  /** What the answer cost (cloud and priced network providers); 0 for local and cache. */
  readonly costUsd: number;
  /** What the route's cloud price would have charged for the same tokens, when answered locally or from cache. */
  readonly savedUsd: number;
  /** HTTP status sent to the client (0 while in flight). */
  readonly status: number;
  readonly error?: string;
  /** Where the time went (ms): routing decision, cache lookup, counting the prompt with a target's tokenizer, upstream time to first byte. */
  readonly timing?: { readonly routingMs?: number; readonly cacheMs?: number; readonly tokenizeMs?: number; readonly upstreamMs?: number };
  /** The tier the request forced with `x-homeport-tier`, when it did: only that tier's targets were tried. */
  readonly forcedTier?: Tier;
}

/** A request in flight as the live table shows it. */
export interface LiveRequest {
  readonly id: string;
  readonly phase: RequestPhase;
  /** Tokens generated so far and the decode speed so far (generating only). */
  readonly completionTokens: number;
  readonly tokPerSec: number | null;
  readonly target: string | null;
  readonly tier: Tier | null;
  readonly elapsedMs: number;
}

/** Events on GET /homeport/v1/requests/events. */
export interface RequestEvents {
  /** A request arrived (the record so far). */
  started: RequestRecord;
  /** A request changed phase, or its tok/s so far moved (at most a few times a second). */
  phase: LiveRequest;
  /** A request ended; the complete record. */
  finished: RequestRecord;
}

/** One day's totals for one tier. */
export interface TierTotals {
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** GET /homeport/v1/requests/totals?days=N → { days: DailyTotals[] }, oldest first. */
export interface DailyTotals {
  /** `YYYY-MM-DD`, local time of the engine. */
  readonly day: string;
  readonly requests: number;
  readonly byTier: Readonly<Partial<Record<Tier | 'none', TierTotals>>>;
  readonly cloudSpendUsd: number;
  readonly savedUsd: number;
  readonly errors: number;
}

/** Filters of GET /homeport/v1/requests. */
export interface RequestQuery {
  readonly tier?: Tier;
  readonly model?: string;
  readonly route?: string;
  /** Unix ms: records at or after. */
  readonly since?: number;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number;
}
