/**
 * Prompt tokens of a chat conversation, as the model that would answer it
 * counts them (its own chat template and tokenizer): a one-token completion
 * through the chat endpoint, whose usage says how many prompt tokens it had.
 * Exact for every runtime that reports usage; it does run a prefill (which
 * the runtime's prompt cache then reuses for the real request), and on a
 * cloud route it is billed like any request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ChatClient } from './chat-client.js';

export function createChatTokenCounter(chat: ChatClient, surface: string) {
  return async function countTokens(
    body: Record<string, unknown>,
    clientHeaders: IncomingHttpHeaders,
  ): Promise<{ inputTokens: number } | { status: number; message: string }> {
    const reply = await chat.send(
      { ...body, max_tokens: 1, temperature: 0, stream: false },
      { clientHeaders: { ...clientHeaders, 'cache-control': 'no-store' }, surface, signal: AbortSignal.timeout(120_000) },
    );
    if (reply.kind !== 'json') return { status: 502, message: 'The model answered a token count with a stream.' };
    if (reply.status !== 200) {
      const error = reply.body.error as { message?: string } | undefined;
      return { status: reply.status, message: error?.message ?? `The model answered with status ${reply.status}.` };
    }
    const usage = reply.body.usage as { prompt_tokens?: unknown } | undefined;
    if (typeof usage?.prompt_tokens !== 'number') return { status: 502, message: 'The model did not report how many prompt tokens it read.' };
    return { inputTokens: usage.prompt_tokens };
  };
}
