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

const DONE_TAIL = 'data: [DONE]\n\n';

/**
 * Whether a network chunk ends with a `data: [DONE]` event (LF line ends).
 * Such a chunk can end the client's response in the same write, once the
 * splitter confirms `[DONE]` was a whole event; any other ending is left to
 * the upstream's own end.
 */
export function endsWithDone(chunk: Buffer): boolean {
  const n = chunk.length;
  return n >= DONE_TAIL.length && chunk[n - 1] === 0x0a && chunk[n - 3] === 0x5d && chunk.toString('latin1', n - DONE_TAIL.length) === DONE_TAIL;
}

/** What one `data:` event of an OpenAI-style stream means for accounting. */
export interface EventFacts {
  /** Choices in it that carry generated content (one token each: runtimes send one token per chunk). */
  readonly tokens: number;
  /** The `[DONE]` sentinel. */
  readonly done: boolean;
  /** The event as JSON, when it had to be parsed (usage, error, tool calls, several choices…); null for the plain case. */
  readonly parsed: Record<string, unknown> | null;
  /** The `usage` object it carries, if any. */
  readonly usage?: Usage;
  /** Its `error` (message), if it is an in-stream error event. */
  readonly error?: string;
}

const DONE: EventFacts = { tokens: 0, done: true, parsed: null };
const NO_TOKEN: EventFacts = { tokens: 0, done: false, parsed: null };
const ONE_TOKEN: EventFacts = { tokens: 1, done: false, parsed: null };
const NOT_JSON: EventFacts = { tokens: 0, done: false, parsed: null };

/**
 * The keys that decide how an event is read. A key pattern like `"content":`
 * cannot occur inside a JSON string value (its quotes would be escaped), so a
 * match is always a real key.
 */
const DECIDING_KEY = /"(content|text|usage|error|tool_calls|reasoning_content|reasoning)":/g;
const QUOTE = 34;

/**
 * Reads one event without JSON.parse when it is the plain case — at most one
 * `content` or `text` string and none of `usage`, `error`, `tool_calls` or
 * reasoning — which is nearly every event of a stream (about a third of the
 * cost of parsing it). Anything else is parsed and read in full.
 */
export function readEvent(data: string): EventFacts {
  if (data === '[DONE]') return DONE;
  DECIDING_KEY.lastIndex = 0;
  let tokens = 0;
  let seen = 0;
  let match: RegExpExecArray | null;
  while ((match = DECIDING_KEY.exec(data)) !== null) {
    const key = match[1];
    if ((key !== 'content' && key !== 'text') || ++seen > 1) return parseEvent(data);
    // A string value that is not empty: `"content":"x…` (not `""`, `null` or a logprobs array).
    const at = DECIDING_KEY.lastIndex;
    if (data.charCodeAt(at) === QUOTE && data.charCodeAt(at + 1) !== QUOTE) tokens = 1;
  }
  return tokens === 1 ? ONE_TOKEN : NO_TOKEN;
}

/** The same facts from a full parse (for a reader that needs every chunk as JSON, such as the cache's assembler). */
export function parseEvent(data: string): EventFacts {
  if (data === '[DONE]') return DONE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return NOT_JSON; // Not ours to judge; the client gets the bytes as they were.
  }
  if (!isRecord(parsed)) return NOT_JSON;
  return {
    tokens: countContent(parsed.choices),
    done: false,
    parsed,
    ...(isRecord(parsed.usage) ? { usage: parsed.usage as Usage } : {}),
    ...(parsed.error !== undefined ? { error: describeError(parsed.error) } : {}),
  };
}

/** Choices that carry generated content (see carriesContent). */
export function countContent(choices: unknown): number {
  if (!Array.isArray(choices)) return 0;
  let n = 0;
  for (const choice of choices as unknown[]) if (carriesContent(choice)) n++;
  return n;
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
    const facts = readEvent(data);
    if (facts.done) {
      this.sawDone = true;
      return;
    }
    if (facts.parsed !== null) {
      if (facts.usage !== undefined) this.usage = facts.usage;
      if (facts.error !== undefined) this.upstreamError = facts.error;
    }
    if (facts.tokens === 0) return;
    if (!this.sawFirstToken) {
      this.sawFirstToken = true;
      this.meter.firstToken();
    }
    this.meter.tokens(facts.tokens);
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
