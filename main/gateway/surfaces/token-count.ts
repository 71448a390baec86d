/**
 * Prompt tokens of a chat conversation (Anthropic's count_tokens).
 *
 * Exact where counting costs nothing. A plain model name on the embedded
 * runtime counts without decoding: the worker's POST /tokenize applies the
 * model's chat template and tokenizer as a completion would
 * (runtime-tokenize.ts). Any other model served on this machine (or a route
 * whose targets are all local or self-hosted and unpriced) counts with a
 * one-token completion through the chat handler, whose usage says how many
 * prompt tokens the model's own chat template and tokenizer produced: that
 * runs a prefill (which the runtime's prompt cache reuses for the real
 * request) but bills nothing. Other runtimes cannot count a conversation
 * without it (llama-server's /tokenize takes text, not a conversation); so
 * does the embedded runtime if its /tokenize fails.
 *
 * Estimated where a completion could be billed: a route with a cloud target
 * or a priced one may answer the counting completion there (failover
 * included), so the count is the router's own size estimate (bytes / 3, the
 * one its context guard uses: it errs high) and the answer says so in
 * `x-homeport-token-count: estimate`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { estimateTokens } from '../../routing/policies.js';
import type { ResolvedRoute } from '../../routing/route-table.js';
import { modelAllowed } from '../app-key-guard.js';
import type { ChatClient } from './chat-client.js';
import type { RuntimePromptCounter } from './runtime-tokenize.js';

export interface TokenCountPlan {
  readonly method: 'exact' | 'estimate';
  readonly reason: string;
}

const TOKENIZED = "the model's runtime counted the prompt with its chat template and tokenizer (POST /tokenize, nothing decoded)";

export type TokenCountResult = { readonly inputTokens: number; readonly plan: TokenCountPlan } | { readonly status: number; readonly message: string };

/** How a model name's prompt is counted: exactly (a free completion) or estimated (a completion could be billed). */
export function planTokenCount(route: ResolvedRoute | undefined): TokenCountPlan {
  if (route === undefined) return { method: 'exact', reason: 'a model on this machine counts with its own tokenizer (a one-token completion, not billed)' };
  const billed = route.targets.find((target) => target.tier === 'cloud' || target.provider?.config.prices[target.ref.model] !== undefined);
  if (billed === undefined) return { method: 'exact', reason: `route "${route.name}" has no billed target: the answering model counts (a one-token completion)` };
  return { method: 'estimate', reason: `route "${route.name}" may answer on ${billed.label}, which bills every completion: estimated from the request's size` };
}

export interface TokenCounterOptions {
  readonly chat: ChatClient;
  readonly surface: string;
  /** The route a model name selects (none for a plain model name). */
  readonly routeOf: (model: string) => ResolvedRoute | undefined;
  /** Counts on the model's own runtime without decoding where it can (the embedded worker's /tokenize). */
  readonly countOnRuntime?: RuntimePromptCounter;
}

export function createChatTokenCounter(options: TokenCounterOptions) {
  const { chat, surface } = options;
  return async function countTokens(body: Record<string, unknown> & { model: string }, client: IncomingMessage, clientResponse: ServerResponse): Promise<TokenCountResult> {
    const route = options.routeOf(body.model);
    const plan = planTokenCount(route);
    if (plan.method === 'estimate') {
      // The chat handler checks the key's allowlist on the exact path; the estimate must not skip it.
      if (!modelAllowed(client, body.model)) return { status: 403, message: `This app key may not use the model '${body.model}'.` };
      const { model: _model, ...conversation } = body;
      return { inputTokens: estimateTokens(Buffer.byteLength(JSON.stringify(conversation))), plan };
    }
    if (route === undefined && options.countOnRuntime !== undefined) {
      // The chat handler checks the key's allowlist on the completion path; counting on the runtime must not skip it.
      if (!modelAllowed(client, body.model)) return { status: 403, message: `This app key may not use the model '${body.model}'.` };
      const { model: _model, ...conversation } = body;
      const counted = await options.countOnRuntime(body.model, conversation);
      if (counted !== undefined) return { inputTokens: counted, plan: { method: 'exact', reason: TOKENIZED } };
    }
    const reply = await chat.send({ ...body, max_tokens: 1, temperature: 0, stream: false }, { client, clientResponse, surface, headers: { 'cache-control': 'no-store' } });
    if (reply.kind !== 'json') return { status: 502, message: 'The model answered a token count with a stream.' };
    if (reply.status !== 200) {
      const error = reply.body.error as { message?: string } | undefined;
      return { status: reply.status, message: error?.message ?? `The model answered with status ${reply.status}.` };
    }
    const usage = reply.body.usage as { prompt_tokens?: unknown } | undefined;
    if (typeof usage?.prompt_tokens !== 'number') return { status: 502, message: 'The model did not report how many prompt tokens it read.' };
    return { inputTokens: usage.prompt_tokens, plan };
  };
}

