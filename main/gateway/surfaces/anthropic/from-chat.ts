/**
 * A chat completion -> an Anthropic message, and a chat stream -> Anthropic's
 * event stream (message_start, content_block_start/delta/stop per text or
 * tool_use block, message_delta with the stop reason and usage, message_stop).
 */
import { randomId } from '../random-id.js';

type Json = Record<string, unknown>;

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export function messageId(): string {
  return randomId('msg');
}

/** finish_reason (and vLLM-style `stop_reason`, the matched stop string) -> Anthropic's stop_reason and stop_sequence. */
export function stopReasonOf(finish: unknown, matched: unknown, stopSequences: readonly string[]): { stop_reason: string; stop_sequence: string | null } {
  if (finish === 'length') return { stop_reason: 'max_tokens', stop_sequence: null };
  if (finish === 'tool_calls' || finish === 'function_call') return { stop_reason: 'tool_use', stop_sequence: null };
  if (finish === 'content_filter') return { stop_reason: 'refusal', stop_sequence: null };
  if (typeof matched === 'string' && stopSequences.includes(matched)) return { stop_reason: 'stop_sequence', stop_sequence: matched };
  return { stop_reason: 'end_turn', stop_sequence: null };
}

function usageOf(usage: unknown): AnthropicUsage {
  const u = (usage ?? {}) as { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  return {
    input_tokens: u.prompt_tokens ?? 0,
    output_tokens: u.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

function parseArguments(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return { _raw: text };
  }
}

export function toAnthropicMessage(completion: Json, options: { model: string; stopSequences: readonly string[] }): Json {
  const choice = ((completion.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as { content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
  const content: Json[] = [];
  if (typeof message.content === 'string' && message.content !== '') content.push({ type: 'text', text: message.content });
  for (const call of message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  const stop = stopReasonOf(choice.finish_reason, choice.stop_reason, options.stopSequences);
  return {
    id: messageId(),
    type: 'message',
    role: 'assistant',
    model: options.model,
    content,
    stop_reason: stop.stop_reason,
    stop_sequence: stop.stop_sequence,
    usage: usageOf(completion.usage),
  };
}

/** One SSE event in Anthropic's framing. */
export function anthropicEvent(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Turns chat chunks into Anthropic events. Feed chunks with `push`; `finish`
 * closes the open block and sends message_delta and message_stop.
 */
export class AnthropicStreamTranslator {
  private readonly id = messageId();
  private started = false;
  private blockIndex = -1;
  private open: 'text' | 'tool' | undefined;
  private openToolIndex = -1;
  private finishReason: unknown = null;
  private matchedStop: unknown = null;
  private usage: AnthropicUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

  constructor(private readonly options: { model: string; stopSequences: readonly string[] }) {}

  start(): string {
    this.started = true;
    return (
      anthropicEvent('message_start', {
        message: { id: this.id, type: 'message', role: 'assistant', model: this.options.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...this.usage } },
      }) + anthropicEvent('ping', {})
    );
  }

  push(chunk: Json): string {
    let out = this.started ? '' : this.start();
    if (chunk.usage != null) this.usage = usageOf(chunk.usage);
    const choice = ((chunk.choices as Json[] | undefined) ?? [])[0];
    if (choice === undefined) return out;
    const delta = (choice.delta ?? {}) as { content?: unknown; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    if (typeof delta.content === 'string' && delta.content !== '') {
      if (this.open !== 'text') out += this.openBlock('text', { type: 'text', text: '' });
      out += anthropicEvent('content_block_delta', { index: this.blockIndex, delta: { type: 'text_delta', text: delta.content } });
    }
    for (const call of delta.tool_calls ?? []) {
      const index = call.index ?? 0;
      if (this.open !== 'tool' || index !== this.openToolIndex) {
        this.openToolIndex = index;
        out += this.openBlock('tool', { type: 'tool_use', id: call.id ?? randomId('toolu'), name: call.function?.name ?? '', input: {} });
      }
      const args = call.function?.arguments;
      if (typeof args === 'string' && args !== '') {
        out += anthropicEvent('content_block_delta', { index: this.blockIndex, delta: { type: 'input_json_delta', partial_json: args } });
      }
    }
    if (choice.finish_reason != null) this.finishReason = choice.finish_reason;
    if (choice.stop_reason != null) this.matchedStop = choice.stop_reason;
    return out;
  }

  finish(): string {
    let out = this.started ? '' : this.start();
    out += this.closeBlock();
    out += anthropicEvent('message_delta', {
      delta: stopReasonOf(this.finishReason, this.matchedStop, this.options.stopSequences),
      usage: { output_tokens: this.usage.output_tokens, input_tokens: this.usage.input_tokens },
    });
    out += anthropicEvent('message_stop', {});
    return out;
  }

  /** A failure after the stream began: an error event, and nothing after it. */
  fail(message: string, type = 'api_error'): string {
    return (this.started ? '' : this.start()) + anthropicEvent('error', { error: { type, message } });
  }

  private openBlock(kind: 'text' | 'tool', block: Json): string {
    const out = this.closeBlock();
    this.blockIndex++;
    this.open = kind;
    return out + anthropicEvent('content_block_start', { index: this.blockIndex, content_block: block });
  }

  private closeBlock(): string {
    if (this.open === undefined) return '';
    this.open = undefined;
    return anthropicEvent('content_block_stop', { index: this.blockIndex });
  }
}
