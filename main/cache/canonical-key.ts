/**
 * Cache keys. The exact key is a sha256 over a canonical JSON form of
 * everything in a request that can change the answer: the route, the model
 * name, messages, tools, sampling parameters and every field we do not know
 * (an unknown field might change the answer, so it splits the key).
 * Object keys are sorted and JSON whitespace is gone; strings are kept byte
 * for byte (whitespace inside a message changes the prompt).
 *
 * Left out, because they change only the framing of the same answer:
 * `stream` and `stream_options` (the replay honours include_usage; see
 * design.md), and top-level fields set to null (the same as absent).
 *
 * The context key is the same hash over everything except the last user
 * message: the semantic cache compares only within one context.
 */
import { createHash } from 'node:crypto';
import type { CacheRequest } from './types.js';

const KEY_VERSION = 'homeport-cache/1';

/** Body fields that never change the answer's content. */
const FRAMING_FIELDS: ReadonlySet<string> = new Set(['stream', 'stream_options']);

/** JSON with object keys sorted at every depth and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const name of Object.keys(record).sort()) {
    const member = record[name];
    if (member === undefined || typeof member === 'function') continue;
    parts.push(`${JSON.stringify(name)}:${canonicalJson(member)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The body fields that make up the answer, in no particular order. */
function answerFields(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (FRAMING_FIELDS.has(name) || value === null || value === undefined) continue;
    fields[name] = value;
  }
  return fields;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function exactKey(request: CacheRequest): string {
  return sha256(canonicalJson([KEY_VERSION, 'exact', request.route, request.endpoint, answerFields(request.body)]));
}

/** The last message when it is a user message whose content is text only (string or text parts). */
export interface LastUserMessage {
  readonly text: string;
  /** Position of the message in `messages`. */
  readonly index: number;
}

export function lastUserMessage(body: Readonly<Record<string, unknown>>): LastUserMessage | undefined {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  const index = messages.length - 1;
  const last: unknown = messages[index];
  if (typeof last !== 'object' || last === null) return undefined;
  const message = last as Record<string, unknown>;
  if (message.role !== 'user') return undefined;
  // Anything besides role and content (a name, say) stays in the context, not in the compared text.
  const text = textOf(message.content);
  return text === undefined ? undefined : { text, index };
}

/** A string, or an array made only of text parts; anything else (images, audio) is not comparable text. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) return undefined;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (type !== 'text' || typeof text !== 'string') return undefined;
    texts.push(text);
  }
  return texts.join('\n');
}

/**
 * The hash of everything except the last user message's content, or
 * undefined when the request does not end in a text-only user message.
 */
export function contextKey(request: CacheRequest): string | undefined {
  const last = lastUserMessage(request.body);
  if (last === undefined) return undefined;
  const fields = answerFields(request.body);
  const messages = request.body.messages as readonly unknown[];
  const { content: _content, ...rest } = messages[last.index] as Record<string, unknown>;
  fields.messages = [...messages.slice(0, last.index), rest];
  return sha256(canonicalJson([KEY_VERSION, 'context', request.route, request.endpoint, fields]));
}
