/**
 * The routing policies: pure functions from facts to a verdict with a
 * human-readable reason. The router gathers the facts (runtime state, slots,
 * recent request times, provider health and load, spend) and acts on the
 * verdicts; the request log shows the reasons as they are.
 */
import type { RuntimeState } from '../runtimes/types.js';

export type Verdict = { readonly go: true; readonly reason: string } | { readonly go: false; readonly reason: string };

const go = (reason: string): Verdict => ({ go: true, reason });
const skip = (reason: string): Verdict => ({ go: false, reason });

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * How long a new request would wait for a slot: the requests queued ahead of
 * it plus itself, spread over the slots, times the recent mean request time.
 * Zero while a slot is free.
 */
export function predictedWaitMs(input: { readonly inFlight: number; readonly slots: number; readonly meanRequestMs: number }): number {
  const { inFlight, slots, meanRequestMs } = input;
  if (inFlight < slots) return 0;
  const ahead = inFlight - slots + 1;
  return (ahead / slots) * meanRequestMs;
}

export interface LocalFacts {
  readonly state: RuntimeState;
  readonly lastError: string | null;
  /** Requests Homeport has in flight to this runtime. */
  readonly inFlight: number;
  /** Parallel slots; undefined when the runtime does not say (never judged busy). */
  readonly slots: number | undefined;
  /** Mean time of its recent requests (ms), or the age of the oldest one running when none finished yet. */
  readonly meanRequestMs: number | null;
  readonly maxQueueWaitMs: number;
}

/** Offline (failed) or busy (every slot taken and the predicted wait over the route's limit) → skip. */
export function judgeLocal(facts: LocalFacts): Verdict {
  if (facts.state === 'failed') return skip(`offline: the runtime failed${facts.lastError ? ` (${facts.lastError})` : ''}`);
  if (facts.state === 'stopping') return skip('offline: the runtime is stopping');
  if (facts.slots === undefined || facts.inFlight < facts.slots) {
    return go(facts.slots === undefined ? 'slots unknown' : `${facts.inFlight}/${facts.slots} slots busy`);
  }
  const queued = facts.inFlight - facts.slots;
  const mean = facts.meanRequestMs ?? 0;
  const wait = predictedWaitMs({ inFlight: facts.inFlight, slots: facts.slots, meanRequestMs: mean });
  const load = `${facts.slots}/${facts.slots} slots${queued > 0 ? `, ${queued} queued` : ''}`;
  if (wait > facts.maxQueueWaitMs) return skip(`busy: ${load}, predicted wait ${seconds(wait)} > ${seconds(facts.maxQueueWaitMs)}`);
  return go(`queued: ${load}, predicted wait ${seconds(wait)} ≤ ${seconds(facts.maxQueueWaitMs)}`);
}

export interface ProviderHealth {
  readonly ok: boolean;
  readonly reason: string;
  readonly checkedAt: number;
  /** From the server's Prometheus metrics, when it has them. */
  readonly load?: { readonly running: number; readonly waiting: number; readonly source: string };
}

export interface RemoteFacts {
  readonly provider: string;
  readonly kind: 'cloud' | 'self-hosted';
  readonly privacy: boolean;
  readonly onLan: boolean;
  readonly hasKey: boolean;
  /** Where a missing key can be set, e.g. `homeport secrets set openai, or OPENAI_API_KEY`. */
  readonly keyHint: string;
  readonly spentTodayUsd: number;
  readonly dailyBudgetUsd: number | undefined;
  readonly health: ProviderHealth | undefined;
  readonly parallel: number | undefined;
  readonly meanRequestMs: number | null;
  readonly maxQueueWaitMs: number;
}

const ASSUMED_REMOTE_REQUEST_MS = 1000;

/** Privacy, key, budget, health and load, in that order. */
export function judgeRemote(facts: RemoteFacts): Verdict {
  if (facts.privacy && facts.kind === 'cloud') return skip(`privacy mode: ${facts.provider} is a cloud provider`);
  if (facts.privacy && !facts.onLan) return skip(`privacy mode: ${facts.provider} is outside this machine and the LAN`);
  if (facts.kind === 'cloud' && !facts.hasKey) return skip(`no API key for ${facts.provider}: ${facts.keyHint}`);
  if (facts.dailyBudgetUsd !== undefined && facts.spentTodayUsd >= facts.dailyBudgetUsd) {
    return skip(`daily budget reached: $${facts.spentTodayUsd.toFixed(4)} spent of $${facts.dailyBudgetUsd.toFixed(2)}`);
  }
  const health = facts.health;
  if (health && !health.ok) return skip(`offline: ${health.reason}`);
  if (health?.load && health.load.waiting > 0) {
    const slots = facts.parallel ?? Math.max(1, health.load.running);
    // Without a request of ours to time yet, a second per request is assumed (and said).
    const mean = facts.meanRequestMs ?? ASSUMED_REMOTE_REQUEST_MS;
    const wait = predictedWaitMs({ inFlight: slots + health.load.waiting, slots, meanRequestMs: mean });
    if (wait > facts.maxQueueWaitMs) {
      const assumed = facts.meanRequestMs === null ? ', assuming 1 s per request' : '';
      return skip(`busy: ${health.load.running} running, ${health.load.waiting} waiting (${health.load.source}), predicted wait ${seconds(wait)} > ${seconds(facts.maxQueueWaitMs)}${assumed}`);
    }
  }
  return go(facts.kind === 'cloud' ? 'available' : health ? `healthy${health.load ? `, ${health.load.running} running, ${health.load.waiting} waiting` : ''}` : 'not checked yet');
}

/** A rough count when no tokenizer is at hand: UTF-8 bytes ÷ 3 (more than most tokenizers produce for prose). */
export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / 3);
}

export interface ContextFacts {
  readonly promptTokens: number;
  /** Counted by the target's tokenizer; otherwise an estimate, and said so. */
  readonly exact: boolean;
  readonly contextTokens: number | undefined;
  /** What counted an exact figure, e.g. `llama-server /tokenize`. */
  readonly counter?: string;
  /** Why the tokenizer's count is missing when one was asked for (the estimate is used instead). */
  readonly countFailed?: string;
}

/** Whether a prompt fits a context. */
export function judgeContext(input: ContextFacts): Verdict {
  if (input.contextTokens === undefined) return go('context size unknown');
  const count = input.exact
    ? `${input.promptTokens} tokens (exact${input.counter ? `, ${input.counter}` : ''})`
    : `about ${input.promptTokens} tokens (estimate${input.countFailed ? `; the tokenizer failed: ${input.countFailed}` : ''})`;
  if (input.promptTokens >= input.contextTokens) return skip(`context too small: the prompt has ${count}, the context holds ${input.contextTokens}`);
  return go(`prompt ${count} fits ${input.contextTokens}`);
}
