import type { RequestMeter, Usage } from '../metrics/types.js';

/**
 * Splits an OpenAI-style event stream into the `data` of each event as bytes
 * arrive. These streams carry `data:` lines and the odd comment, so this is
 * not a general SSE parser (`event:`, `id:` and `retry:` are skipped): it
 * finds blank lines with indexOf, and most events are a single `data: …`
 * line sliced out as is. Multi-byte characters split across chunks and
 * CRLF line ends are handled.
 */
export class SseDataSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buffered = '';

  /** Feeds one network chunk; calls `onData` for each complete event that has data. */
  push(chunk: Buffer, onData: (data: string) => void): void {
    let text = this.decoder.decode(chunk, { stream: true });
    if (this.buffered !== '') text = this.buffered + text;
    // CRLF (or lone CR) line ends become LF; a CR at the very end may be the first half of a CRLF.
    if (text.includes('\r')) text = text.replace(/\r\n|\r(?!$)/g, '\n');
    let start = 0;
    let end: number;
    while ((end = text.indexOf('\n\n', start)) !== -1) {
      const data = eventData(text, start, end);
      start = end + 2;
      if (data !== undefined) onData(data);
    }
    this.buffered = start === text.length ? '' : text.slice(start);
  }

  /** True when no event is half-received (the bytes so far end with a blank line). */
  get atEventBoundary(): boolean {
    return this.buffered === '';
  }
}

/** The data of the event in `text[start, end)`: its `data:` lines joined by newlines; undefined when it has none. */
function eventData(text: string, start: number, end: number): string | undefined {
  // The usual event: a single `data:` line.
  if (text.indexOf('\n', start) === end && text.startsWith('data:', start)) {
    return text.charCodeAt(start + 5) === 32 ? text.slice(start + 6, end) : text.slice(start + 5, end);
  }
  let data: string | undefined;
  for (const line of text.slice(start, end).split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data;
}

/**
 * Watches an OpenAI-style SSE stream as it passes through, without holding it
 * up: the gateway writes each chunk to the client first, then feeds it here.
 * Every `data:` chunk that carries generated content counts as one token (the
 * runtimes send one token per chunk); a `usage` object, when the upstream
 * sends one, is kept for the final record.
 */
export class StreamTally {
  private readonly splitter = new SseDataSplitter();
  private readonly onData = (data: string): void => this.onEvent(data);
  private sawFirstToken = false;

  usage: Usage | undefined = undefined;
  /** The `[DONE]` sentinel passed. */
  sawDone = false;
  /** An in-stream `{"error":…}` event the upstream sent, if any. */
  upstreamError: string | undefined = undefined;

  constructor(private readonly meter: RequestMeter) {}

  push(chunk: Buffer): void {
    this.splitter.push(chunk, this.onData);
  }

  /** True when the bytes so far end with a blank line, i.e. no event is half-sent. */
  get atEventBoundary(): boolean {
    return this.splitter.atEventBoundary;
  }

  private onEvent(data: string): void {
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
