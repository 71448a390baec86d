/**
 * A chat completion -> an OpenAI Responses `response` object, and a chat
 * stream -> the Responses event stream, in OpenAI's order:
 *   response.created, response.in_progress,
 *   per text:  output_item.added, content_part.added, output_text.delta…,
 *              output_text.done, content_part.done, output_item.done
 *   per call:  output_item.added, function_call_arguments.delta…,
 *              function_call_arguments.done, output_item.done
 *   response.completed (or response.incomplete when max_output_tokens ended it).
 * Every event carries a `sequence_number`.
 */
import { randomId } from '../random-id.js';
import type { ChatMessage, ResponsesRequest } from './to-chat.js';

type Json = Record<string, unknown>;

/** Unguessable (stored responses are fetched by id): random-id.ts. */
const newId = randomId;

export function responseId(): string {
  return newId('resp');
}

export interface ResponseFrame {
  readonly id: string;
  readonly createdAt: number;
  readonly request: ResponsesRequest;
}

function usageOf(usage: unknown): Json | null {
  if (usage == null) return null;
  const u = usage as { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

/**
 * Parts of a response object that are the same in most answers, shared (never changed): response-json.ts
 * recognises them by identity and writes them as constants.
 */
export const DEFAULT_TEXT: Json = Object.freeze({ format: Object.freeze({ type: 'text' }) });
export const NO_METADATA: Json = Object.freeze({});
export const MAX_OUTPUT_TOKENS_REACHED: Json = Object.freeze({ reason: 'max_output_tokens' });
export const NO_REASONING: Json = Object.freeze({ effort: null, summary: null });

/** The response object around `output`, echoing the request's settings as OpenAI does. No field is ever undefined. */
export function responseObject(frame: ResponseFrame, fields: { status: string; output: Json[]; usage: Json | null; incomplete?: boolean; error?: Json | null }): Json {
  const request = frame.request;
  const format = request.text?.format;
  return {
    id: frame.id,
    object: 'response',
    created_at: frame.createdAt,
    status: fields.status,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete ? MAX_OUTPUT_TOKENS_REACHED : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: request.model,
    output: fields.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: NO_REASONING,
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: format == null ? DEFAULT_TEXT : { format },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    usage: fields.usage,
    user: request.user ?? null,
    metadata: request.metadata ?? NO_METADATA,
  };
}

function messageItem(id: string, text: string, status: string): Json {
  return { type: 'message', id, status, role: 'assistant', content: status === 'in_progress' ? [] : [textPart(text)] };
}

function textPart(text: string): Json {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

function callItem(id: string, callId: string, name: string, args: string, status: string): Json {
  return { type: 'function_call', id, call_id: callId, name, arguments: args, status };
}

/** What a finished answer adds to the conversation, as chat messages (for previous_response_id). */
export function outputToChatMessages(output: readonly Json[]): ChatMessage[] {
  const text = output
    .filter((item) => item.type === 'message')
    .flatMap((item) => (item.content as Json[]).map((part) => String(part.text ?? '')))
    .join('');
  const calls = output
    .filter((item) => item.type === 'function_call')
    .map((item) => ({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }));
  if (text === '' && calls.length === 0) return [];
  return [{ role: 'assistant', content: text === '' ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) }];
}

export function toResponse(frame: ResponseFrame, completion: Json): Json {
  const choice = ((completion.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as { content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
  const output: Json[] = [];
  if (typeof message.content === 'string' && message.content !== '') output.push(messageItem(newId('msg'), message.content, 'completed'));
  for (const call of message.tool_calls ?? []) output.push(callItem(newId('fc'), call.id, call.function.name, call.function.arguments, 'completed'));
  const incomplete = choice.finish_reason === 'length';
  return responseObject(frame, { status: incomplete ? 'incomplete' : 'completed', output, usage: usageOf(completion.usage), incomplete });
}

export function responseEvent(type: string, sequence: number, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...data })}\n\n`;
}

interface OpenItem {
  readonly kind: 'text' | 'call';
  readonly id: string;
  readonly outputIndex: number;
  readonly chatIndex: number;
  callId: string;
  name: string;
  text: string;
}

export class ResponsesStreamTranslator {
  private sequence = 0;
  private readonly output: Json[] = [];
  private open: OpenItem | undefined;
  private finishReason: unknown = null;
  private usage: Json | null = null;

  constructor(private readonly frame: ResponseFrame) {}

  start(): string {
    const response = responseObject(this.frame, { status: 'in_progress', output: [], usage: null });
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  push(chunk: Json): string {
    let out = '';
    if (chunk.usage != null) this.usage = usageOf(chunk.usage);
    const choice = ((chunk.choices as Json[] | undefined) ?? [])[0];
    if (choice === undefined) return out;
    const delta = (choice.delta ?? {}) as { content?: unknown; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open?.kind !== 'text') out += this.openItem('text', -1, '', '');
      const item = this.open!;
      item.text += delta.content;
      out += this.event('response.output_text.delta', { item_id: item.id, output_index: item.outputIndex, content_index: 0, delta: delta.content, logprobs: [] });
    }
    for (const call of delta.tool_calls ?? []) {
      const index = call.index ?? 0;
      if (this.open?.kind !== 'call' || this.open.chatIndex !== index) {
        out += this.openItem('call', index, call.id ?? newId('call'), call.function?.name ?? '');
      }
      const item = this.open!;
      const args = call.function?.arguments;
      if (typeof args === 'string' && args !== '') {
        item.text += args;
        out += this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: item.outputIndex, delta: args });
      }
    }
    if (choice.finish_reason != null) this.finishReason = choice.finish_reason;
    return out;
  }

  /** Closes the open item and completes the response; returns the events and the final response object. */
  finish(): { events: string; response: Json } {
    let events = this.closeItem();
    const incomplete = this.finishReason === 'length';
    const response = responseObject(this.frame, { status: incomplete ? 'incomplete' : 'completed', output: this.output, usage: this.usage, incomplete });
    events += this.event(incomplete ? 'response.incomplete' : 'response.completed', { response });
    return { events, response };
  }

  fail(message: string, code = 'server_error'): string {
    const response = responseObject(this.frame, { status: 'failed', output: this.output, usage: this.usage, error: { code, message } });
    return this.event('response.failed', { response });
  }

  private openItem(kind: 'text' | 'call', chatIndex: number, callId: string, name: string): string {
    let out = this.closeItem();
    const item: OpenItem = { kind, id: newId(kind === 'text' ? 'msg' : 'fc'), outputIndex: this.output.length, chatIndex, callId, name, text: '' };
    this.open = item;
    this.output.push({});
    if (kind === 'text') {
      out += this.event('response.output_item.added', { output_index: item.outputIndex, item: messageItem(item.id, '', 'in_progress') });
      out += this.event('response.content_part.added', { item_id: item.id, output_index: item.outputIndex, content_index: 0, part: textPart('') });
    } else {
      out += this.event('response.output_item.added', { output_index: item.outputIndex, item: callItem(item.id, callId, name, '', 'in_progress') });
    }
    return out;
  }

  private closeItem(): string {
    const item = this.open;
    if (item === undefined) return '';
    this.open = undefined;
    let out = '';
    if (item.kind === 'text') {
      const done = messageItem(item.id, item.text, 'completed');
      this.output[item.outputIndex] = done;
      out += this.event('response.output_text.done', { item_id: item.id, output_index: item.outputIndex, content_index: 0, text: item.text, logprobs: [] });
      out += this.event('response.content_part.done', { item_id: item.id, output_index: item.outputIndex, content_index: 0, part: textPart(item.text) });
      out += this.event('response.output_item.done', { output_index: item.outputIndex, item: done });
    } else {
      const done = callItem(item.id, item.callId, item.name, item.text, 'completed');
      this.output[item.outputIndex] = done;
      out += this.event('response.function_call_arguments.done', { item_id: item.id, output_index: item.outputIndex, name: item.name, arguments: item.text });
      out += this.event('response.output_item.done', { output_index: item.outputIndex, item: done });
    }
    return out;
  }

  private event(type: string, data: Json): string {
    return responseEvent(type, this.sequence++, data);
  }
}
