/**
 * Turns the chat.completion.chunk objects of a streamed answer back into the
 * one chat.completion object a non-stream request would have received, so a
 * streamed answer can be cached and replayed either way.
 *
 * complete() answers undefined unless every choice ended with a
 * finish_reason and no error event came: a stream that broke, was cancelled
 * or carried an error is never an answer worth keeping.
 */
import type { ChatCompletionJson, StreamAssembler } from './types.js';

interface ToolCallParts {
  id?: string;
  type?: string;
  name: string;
  args: string;
}

interface ChoiceParts {
  role?: string;
  /** Concatenated string deltas by field (content, reasoning_content, refusal…). */
  texts: Map<string, string>;
  toolCalls: Map<number, ToolCallParts>;
  logprobs: unknown[];
  refusalLogprobs: unknown[];
  sawLogprobs: boolean;
  finishReason?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createStreamAssembler(): StreamAssembler {
  let head: { id?: unknown; created?: unknown; model?: unknown; system_fingerprint?: unknown; service_tier?: unknown } | undefined;
  let usage: Record<string, unknown> | undefined;
  let failed = false;
  const choices = new Map<number, ChoiceParts>();

  function choiceAt(index: number): ChoiceParts {
    let parts = choices.get(index);
    if (parts === undefined) {
      parts = { texts: new Map(), toolCalls: new Map(), logprobs: [], refusalLogprobs: [], sawLogprobs: false };
      choices.set(index, parts);
    }
    return parts;
  }

  function pushToolCalls(parts: ChoiceParts, calls: unknown[]): void {
    for (const [position, raw] of calls.entries()) {
      if (!isRecord(raw)) continue;
      const index = typeof raw.index === 'number' ? raw.index : position;
      let call = parts.toolCalls.get(index);
      if (call === undefined) {
        call = { name: '', args: '' };
        parts.toolCalls.set(index, call);
      }
      if (typeof raw.id === 'string' && raw.id !== '') call.id = raw.id;
      if (typeof raw.type === 'string') call.type = raw.type;
      const fn = raw.function;
      if (isRecord(fn)) {
        if (typeof fn.name === 'string') call.name += fn.name;
        if (typeof fn.arguments === 'string') call.args += fn.arguments;
      }
    }
  }

  function push(chunk: Record<string, unknown>): void {
    if (failed) return;
    if (chunk.error !== undefined && chunk.error !== null) {
      failed = true;
      return;
    }
    head ??= { id: chunk.id, created: chunk.created, model: chunk.model, system_fingerprint: chunk.system_fingerprint, service_tier: chunk.service_tier };
    if (isRecord(chunk.usage)) usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const [position, raw] of (chunk.choices as unknown[]).entries()) {
      if (!isRecord(raw)) continue;
      const parts = choiceAt(typeof raw.index === 'number' ? raw.index : position);
      const delta = raw.delta;
      if (isRecord(delta)) {
        for (const [field, value] of Object.entries(delta)) {
          if (field === 'role') {
            if (typeof value === 'string') parts.role = value;
          } else if (field === 'tool_calls') {
            if (Array.isArray(value)) pushToolCalls(parts, value);
          } else if (typeof value === 'string') {
            parts.texts.set(field, (parts.texts.get(field) ?? '') + value);
          }
        }
      }
      if (isRecord(raw.logprobs)) {
        parts.sawLogprobs = true;
        if (Array.isArray(raw.logprobs.content)) parts.logprobs.push(...(raw.logprobs.content as unknown[]));
        if (Array.isArray(raw.logprobs.refusal)) parts.refusalLogprobs.push(...(raw.logprobs.refusal as unknown[]));
      }
      if (typeof raw.finish_reason === 'string' && raw.finish_reason !== '') parts.finishReason = raw.finish_reason;
    }
  }

  function complete(): ChatCompletionJson | undefined {
    if (failed || head === undefined || choices.size === 0) return undefined;
    const indexes = [...choices.keys()].sort((a, b) => a - b);
    const built: Record<string, unknown>[] = [];
    for (const index of indexes) {
      const parts = choices.get(index)!;
      if (parts.finishReason === undefined) return undefined;
      const message: Record<string, unknown> = { role: parts.role ?? 'assistant' };
      message.content = parts.texts.get('content') ?? null;
      for (const [field, text] of parts.texts) if (field !== 'content') message[field] = text;
      if (parts.toolCalls.size > 0) {
        message.tool_calls = [...parts.toolCalls.entries()]
          .sort(([a], [b]) => a - b)
          .map(([, call]) => ({ id: call.id ?? '', type: call.type ?? 'function', function: { name: call.name, arguments: call.args } }));
      }
      const logprobs = parts.sawLogprobs ? { content: parts.logprobs, refusal: parts.refusalLogprobs.length > 0 ? parts.refusalLogprobs : null } : null;
      built.push({ index, message, logprobs, finish_reason: parts.finishReason });
    }
    const completion: Record<string, unknown> = {
      id: typeof head.id === 'string' ? head.id : 'chatcmpl-assembled',
      object: 'chat.completion',
      created: typeof head.created === 'number' ? head.created : 0,
      model: typeof head.model === 'string' ? head.model : '',
      choices: built,
    };
    if (typeof head.system_fingerprint === 'string') completion.system_fingerprint = head.system_fingerprint;
    if (typeof head.service_tier === 'string') completion.service_tier = head.service_tier;
    if (usage !== undefined) completion.usage = usage;
    return completion;
  }

  return { push, complete };
}
