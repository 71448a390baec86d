/**
 * The common Messages requests, accepted without the zod schema (to-chat.ts).
 *
 * Most requests are plain: text messages (a string or text blocks), a system
 * prompt, sampling settings, maybe function tools. For those a few direct
 * checks say "valid" for a fraction of what the schema's parse costs per
 * request. The checks only ever accept what the schema accepts; anything
 * they do not recognise for certain (another block type, a value out of
 * range, a field of the wrong type) goes to the schema, which decides and
 * words the 400. The accepted body is used as it is: it has the schema's
 * shape, and the translation reads only the fields the schema knows.
 */
import type { CountTokensRequest, MessagesRequest } from './to-chat.js';

type Json = Record<string, unknown>;

/** The schema's tool name rule (to-chat.ts). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTextBlock(value: unknown): boolean {
  return isObject(value) && value.type === 'text' && typeof value.text === 'string';
}

function isTextBlocks(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!isTextBlock(value[i])) return false;
  return true;
}

function isMessage(value: unknown): boolean {
  if (!isObject(value) || (value.role !== 'user' && value.role !== 'assistant')) return false;
  return typeof value.content === 'string' || isTextBlocks(value.content);
}

function isTool(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.name === 'string' &&
    TOOL_NAME.test(value.name) &&
    (value.description === undefined || typeof value.description === 'string') &&
    isObject(value.input_schema) &&
    (value.type === undefined || value.type === 'custom')
  );
}

function isOptionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean';
}

function isToolChoice(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (value.type === 'none') return true;
  if (!isOptionalBoolean(value.disable_parallel_tool_use)) return false;
  if (value.type === 'auto' || value.type === 'any') return true;
  return value.type === 'tool' && typeof value.name === 'string' && value.name.length > 0;
}

function isNumberIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && value >= min && value <= max;
}

function isCount(value: unknown, min: number): boolean {
  return Number.isSafeInteger(value) && (value as number) >= min;
}

/** The fields count_tokens and messages share (model, messages, system, tools, tool_choice). */
function isConversation(body: Json): boolean {
  if (typeof body.model !== 'string' || body.model.length === 0) return false;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (let i = 0; i < messages.length; i++) if (!isMessage(messages[i])) return false;
  if (body.system !== undefined && typeof body.system !== 'string' && !isTextBlocks(body.system)) return false;
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) return false;
    for (let i = 0; i < body.tools.length; i++) if (!isTool(body.tools[i])) return false;
  }
  return body.tool_choice === undefined || isToolChoice(body.tool_choice);
}

/** The body as a Messages request when it is certainly valid; undefined: let the schema decide. */
export function quickAcceptMessages(body: unknown): MessagesRequest | undefined {
  if (!isObject(body) || !isConversation(body) || !isCount(body.max_tokens, 1)) return undefined;
  const stop = body.stop_sequences;
  if (stop !== undefined) {
    if (!Array.isArray(stop)) return undefined;
    for (let i = 0; i < stop.length; i++) if (typeof stop[i] !== 'string' || (stop[i] as string).length === 0) return undefined;
  }
  if (body.temperature !== undefined && !isNumberIn(body.temperature, 0, 1)) return undefined;
  if (body.top_p !== undefined && !isNumberIn(body.top_p, 0, 1)) return undefined;
  if (body.top_k !== undefined && !isCount(body.top_k, 0)) return undefined;
  if (!isOptionalBoolean(body.stream)) return undefined;
  const metadata = body.metadata;
  if (metadata !== undefined && !(isObject(metadata) && (metadata.user_id == null || typeof metadata.user_id === 'string'))) return undefined;
  return body as MessagesRequest;
}

/** The body as a count_tokens request when it is certainly valid; undefined: let the schema decide. */
export function quickAcceptCountTokens(body: unknown): CountTokensRequest | undefined {
  return isObject(body) && isConversation(body) ? (body as CountTokensRequest) : undefined;
}
