import { createParser } from 'eventsource-parser';
import type { EventSourceMessage, EventSourceParser } from 'eventsource-parser';
import type { RequestMeter, Usage } from '../metrics/types.js';

/**
 * Watches an OpenAI-style SSE stream as it passes through, without holding it
 * up: the gateway writes each chunk to the client first, then feeds it here.
 * Every `data:` chunk that carries generated content counts as one token (the
 * runtimes send one token per chunk); a `usage` object, when the upstream
 * sends one, is kept for the final record.
 */
export class StreamTally {
  private readonly parser: EventSourceParser;
  private readonly decoder = new TextDecoder('utf-8');
  private sawFirstToken = false;
  /** The last few bytes seen, to know whether the stream stopped between events. */
  private tail = '';

  usage: Usage | undefined = undefined;
  /** The `[DONE]` sentinel passed. */
  sawDone = false;
  /** An in-stream `{"error":…}` event the upstream sent, if any. */
  upstreamError: string | undefined = undefined;

  constructor(private readonly meter: RequestMeter) {
    this.parser = createParser({ onEvent: (event) => this.onEvent(event) });
  }

  push(chunk: Buffer): void {
    const text = this.decoder.decode(chunk, { stream: true });
    this.tail = (this.tail + text.slice(-4)).slice(-4);
    this.parser.feed(text);
  }

  /** True when the bytes so far end with a blank line, i.e. no event is half-sent. */
  get atEventBoundary(): boolean {
    const t = this.tail;
    return t.length === 0 || t.endsWith('\n\n') || t.endsWith('\n\r\n') || t.endsWith('\r\r');
  }

  private onEvent(event: EventSourceMessage): void {
    const data = event.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return; // Not ours to judge; the client gets the bytes as they were.
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const chunk = parsed as { choices?: unknown; usage?: unknown; error?: unknown };

    if (isRecord(chunk.usage)) this.usage = chunk.usage as Usage;
    if (chunk.error !== undefined) this.upstreamError = describeError(chunk.error);

    if (!Array.isArray(chunk.choices)) return;
    let produced = 0;
    for (const choice of chunk.choices as unknown[]) {
      if (carriesContent(choice)) produced++;
    }
    if (produced === 0) return;
    if (!this.sawFirstToken) {
      this.sawFirstToken = true;
      this.meter.firstToken();
    }
    this.meter.tokens(produced);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

/** A chat delta with content, reasoning or tool calls, or a completion choice with text. */
function carriesContent(choice: unknown): boolean {
  if (!isRecord(choice)) return false;
  if (nonEmptyString(choice.text)) return true;
  const delta = choice.delta;
  if (!isRecord(delta)) return false;
  return (
    nonEmptyString(delta.content) ||
    nonEmptyString(delta.reasoning_content) ||
    nonEmptyString(delta.reasoning) ||
    (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
  );
}

function describeError(error: unknown): string {
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return typeof error === 'string' ? error : 'upstream error';
}

/** The event written when the runtime goes away mid-stream. No `[DONE]` follows it. */
export function runtimeDisconnectedEvent(runtimeId: string, detail: string): string {
  const body = {
    error: {
      message: `The runtime ${runtimeId} stopped while streaming: ${detail}. Check Homeport's runtime logs; the answer above is incomplete.`,
      type: 'server_error',
      param: null,
      code: 'runtime_disconnected',
    },
  };
  return `data: ${JSON.stringify(body)}\n\n`;
}
