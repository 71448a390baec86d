/**
 * Prompt tokens of a chat conversation (Anthropic's count_tokens).
 *
 * Exact where counting costs nothing: a model served on this machine (a plain
 * model name, or a route whose targets are all local or self-hosted and
 * unpriced) counts with a one-token completion through the chat handler,
 * whose usage says how many prompt tokens the model's own chat template and
 * tokenizer produced. That runs a prefill (which the runtime's prompt cache
 * reuses for the real request) but bills nothing. No runtime Homeport drives
 * can count a chat without it today: the embedded worker has no tokenize
 * endpoint, and llama-server's /tokenize takes text, not a conversation.
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

export interface TokenCountPlan {
  readonly method: 'exact' | 'estimate';
  readonly reason: string;
}

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
}

export function createChatTokenCounter(options: TokenCounterOptions) {
  const { chat, surface } = options;
  return async function countTokens(body: Record<string, unknown> & { model: string }, client: IncomingMessage, clientResponse: ServerResponse): Promise<TokenCountResult> {
    const plan = planTokenCount(options.routeOf(body.model));
    if (plan.method === 'estimate') {
      // The chat handler checks the key's allowlist on the exact path; the estimate must not skip it.
      if (!modelAllowed(client, body.model)) return { status: 403, message: `This app key may not use the model '${body.model}'.` };
      const { model: _model, ...conversation } = body;
      return { inputTokens: estimateTokens(Buffer.byteLength(JSON.stringify(conversation))), plan };
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

