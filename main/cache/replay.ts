/**
 * Writes a cached chat.completion to a client: as the JSON object for a
 * non-stream request, or as the SSE stream OpenAI would have sent
 * (chat.completion.chunk objects: a role delta, content deltas, tool calls in
 * their streamed shape, a finish_reason chunk, a usage chunk when the client
 * asked for include_usage, then `data: [DONE]`). The whole replay goes out in
 * one write: there is nothing to wait for.
 *
 * Each replay gets a fresh id and `created`, and names the model the client
 * asked for.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatCompletionJson, ReplayOptions } from './types.js';

/** Longest content delta in a replayed stream, in UTF-16 code units. */
const DELTA_CHARS = 96;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function replayId(): string {
  return `chatcmpl-hp${randomBytes(12).toString('hex')}`;
}

/** Splits text into pieces of at most `size` code units without cutting a surrogate pair. */
export function slices(text: string, size = DELTA_CHARS): string[] {
  if (text.length <= size) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** The replayed body of a non-stream response. */
export function replayJson(completion: ChatCompletionJson, options: { model: string; id?: string; created?: number }): Record<string, unknown> {
  return {
    ...completion,
    id: options.id ?? replayId(),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model,
  };
}

/** The chunk objects of a replayed stream, in order (without the [DONE] sentinel). */
export function replayChunks(completion: ChatCompletionJson, options: ReplayOptions & { id?: string; created?: number }): Record<string, unknown>[] {
  const base: Record<string, unknown> = {
    id: options.id ?? replayId(),
    object: 'chat.completion.chunk',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model,
  };
  if (typeof completion.system_fingerprint === 'string') base.system_fingerprint = completion.system_fingerprint;
  if (options.includeUsage) base.usage = null;
  const chunks: Record<string, unknown>[] = [];
  const chunk = (index: number, delta: Record<string, unknown>, extra: { logprobs?: unknown; finish_reason?: string | null } = {}) =>
    chunks.push({ ...base, choices: [{ index, delta, logprobs: extra.logprobs ?? null, finish_reason: extra.finish_reason ?? null }] });

  const choices = Array.isArray(completion.choices) ? (completion.choices as unknown[]) : [];
  for (const [position, raw] of choices.entries()) {
    if (!isRecord(raw)) continue;
    const index = typeof raw.index === 'number' ? raw.index : position;
    const message = isRecord(raw.message) ? raw.message : {};
    const role = typeof message.role === 'string' ? message.role : 'assistant';
    const content = typeof message.content === 'string' ? message.content : '';
    const toolCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as unknown[]) : [];

    // As OpenAI does: an empty string opens a text answer, null one that is only tool calls.
    chunk(index, { role, content: message.content === null ? null : '' });
    // Reasoning and refusal text first, in the same delta fields a runtime streams them in.
    for (const [field, value] of Object.entries(message)) {
      if (field === 'role' || field === 'content' || field === 'tool_calls' || typeof value !== 'string' || value === '') continue;
      for (const piece of slices(value)) chunk(index, { [field]: piece });
    }
    const tokenLogprobs = isRecord(raw.logprobs) && Array.isArray(raw.logprobs.content) ? (raw.logprobs.content as unknown[]) : undefined;
    if (tokenLogprobs !== undefined && tokenLogprobs.length > 0 && tokensSpell(tokenLogprobs, content)) {
      // One chunk per token, each with its own logprobs, as the runtime sent them.
      for (const entry of tokenLogprobs) chunk(index, { content: (entry as { token: string }).token }, { logprobs: { content: [entry], refusal: null } });
    } else if (content !== '') {
      const pieces = slices(content);
      pieces.forEach((piece, i) => chunk(index, { content: piece }, i === 0 && tokenLogprobs !== undefined ? { logprobs: raw.logprobs } : {}));
    }
    for (const [position, rawCall] of toolCalls.entries()) {
      if (!isRecord(rawCall)) continue;
      const fn = isRecord(rawCall.function) ? rawCall.function : {};
      const args = typeof fn.arguments === 'string' ? fn.arguments : '';
      const head = { index: position, id: rawCall.id, type: rawCall.type ?? 'function', function: { name: fn.name ?? '', arguments: '' } };
      chunk(index, { tool_calls: [head] });
      if (args !== '') for (const piece of slices(args)) chunk(index, { tool_calls: [{ index: position, function: { arguments: piece } }] });
    }
    chunk(index, {}, { finish_reason: typeof raw.finish_reason === 'string' ? raw.finish_reason : 'stop' });
  }
  if (options.includeUsage && isRecord(completion.usage)) {
    chunks.push({ ...base, choices: [], usage: completion.usage });
  }
  return chunks;
}

function tokensSpell(entries: unknown[], content: string): boolean {
  let spelled = '';
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.token !== 'string') return false;
    spelled += entry.token;
  }
  return spelled === content;
}

/** The complete SSE text of a replayed stream. */
export function replaySse(completion: ChatCompletionJson, options: ReplayOptions & { id?: string; created?: number }): string {
  let text = '';
  for (const chunk of replayChunks(completion, options)) text += `data: ${JSON.stringify(chunk)}\n\n`;
  return `${text}data: [DONE]\n\n`;
}

/**
 * Sends the replay. Headers the caller set beforehand (x-homeport-cache,
 * Server-Timing…) are kept: writeHead merges with them.
 */
export function writeReplay(res: ServerResponse, completion: ChatCompletionJson, options: ReplayOptions & { created?: number }): void {
  if (res.destroyed || res.writableEnded) return;
  if (options.stream) {
    const body = replaySse(completion, options);
    if (!res.headersSent) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'content-length': Buffer.byteLength(body),
      });
    }
    res.end(body);
    return;
  }
  const body = JSON.stringify(replayJson(completion, options));
  if (!res.headersSent) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  }
  res.end(body);
}
