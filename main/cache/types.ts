/**
 * The response cache as the router sees it: a pure policy, an exact/semantic lookup, a store for complete
 * answers, an SSE assembler that turns a streamed answer into one chat.completion, and a replay writer.
 */
import type { ServerResponse } from 'node:http';

/** A complete non-stream OpenAI chat.completion object. */
export type ChatCompletionJson = Readonly<Record<string, unknown>>;

export interface CacheRequest {
  readonly route: string;
  readonly endpoint: 'chat.completions';
  readonly body: Readonly<Record<string, unknown>>;
}

/** Per-route cache settings, as the route config passes them in. */
export interface CacheRouteSettings {
  readonly enabled: boolean;
  /** Cache answers sampled at temperature > 0 without a seed. */
  readonly allowSampling: boolean;
  /** Set to turn the semantic cache on for the route (cosine similarity, 0..1). */
  readonly semanticThreshold?: number;
}

export interface CachePolicyInput {
  readonly request: CacheRequest;
  readonly headers: { readonly cacheControl?: string };
  readonly routeSettings: CacheRouteSettings;
}

export interface CachePolicyDecision {
  readonly read: boolean;
  readonly write: boolean;
  readonly reason: string;
}

export interface CacheHit {
  readonly kind: 'exact' | 'semantic';
  readonly key: string;
  readonly completion: ChatCompletionJson;
  readonly similarity?: number;
  readonly storedAt: number;
  readonly matchedEntryId: string;
}

export interface CacheLookupOptions {
  readonly semanticThreshold?: number;
  readonly signal?: AbortSignal;
}

export interface StreamAssembler {
  push(chunk: Record<string, unknown>): void;
  /** The assembled chat.completion, or undefined if the stream never finished (no finish_reason). */
  complete(): ChatCompletionJson | undefined;
}

export interface ReplayOptions {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly model: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  byRoute: Record<string, { hits: number; misses: number }>;
}

export interface ResponseCache {
  /** Pure: no-cache (don't read) / no-store (don't write), sampling only when allowed, disabled route. */
  policy(input: CachePolicyInput): CachePolicyDecision;
  lookup(request: CacheRequest, options: CacheLookupOptions): Promise<CacheHit | undefined>;
  /** Only complete successful answers; anything else is ignored. */
  store(request: CacheRequest, completion: ChatCompletionJson): Promise<void>;
  createStreamAssembler(): StreamAssembler;
  /** A hit as JSON or as a well-formed SSE stream (OpenAI chunk shape, usage chunk when asked, [DONE]). */
  writeReplay(res: ServerResponse, completion: ChatCompletionJson, options: ReplayOptions): void;
  stats(): CacheStats;
  /** Removes all entries, or one route's; returns how many were removed. */
  clear(route?: string): number;
  /** New entry lifetime and size limit, in effect at once (expired and excess entries go now). */
  setLimits?(limits: { readonly ttlMs?: number; readonly maxBytes?: number }): void;
  close(): void;
}

export interface ResponseCacheOptions {
  /** SQLite file the cache lives in. */
  readonly file: string;
  /** Entry lifetime; default 24 h. */
  readonly ttlMs?: number;
  /** Size limit over stored completions; least recently used entries go first. */
  readonly maxBytes?: number;
  readonly now?: () => number;
  /** Embeds texts for the semantic cache; without it the semantic cache is off. */
  readonly embed?: (texts: string[]) => Promise<number[][]>;
  /** Where the cache reports what it could not do (a damaged file moved aside, a failed embedding). */
  readonly log?: (message: string) => void;
  /** Bound on the vectors one context keeps and scans; default 50,000. */
  readonly maxSemanticPerContext?: number;
}

export type CreateResponseCache = (options: ResponseCacheOptions) => ResponseCache;
