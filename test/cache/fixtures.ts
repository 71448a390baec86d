/** Requests and answers the cache tests share. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CacheRequest, ChatCompletionJson } from '../../main/cache/types.js';

export function tempCacheFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'homeport-cache-')), 'cache.sqlite');
}

export function chatRequest(body: Record<string, unknown> = {}, route = 'chat'): CacheRequest {
  return {
    route,
    endpoint: 'chat.completions',
    body: {
      model: 'stories',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
      temperature: 0,
      ...body,
    },
  };
}

export function completion(text: string, options: { usage?: boolean; finish?: string | null } = {}): ChatCompletionJson {
  const answer: Record<string, unknown> = {
    id: 'chatcmpl-upstream',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'stories260k',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: options.finish === undefined ? 'stop' : options.finish }],
  };
  if (options.usage !== false) answer.usage = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 };
  return answer;
}

/** The text of the first choice of a cached completion. */
export function contentOf(answer: ChatCompletionJson | undefined): unknown {
  const choices = answer?.choices as { message: { content: unknown } }[] | undefined;
  return choices?.[0]?.message.content;
}
