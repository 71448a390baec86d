/**
 * The common Responses requests, accepted without the zod schema (to-chat.ts).
 *
 * Most requests are plain: `input` as text or as messages of text, maybe
 * `instructions`, function tools, sampling settings. For those a few direct
 * checks say "valid" for a fraction of what the schema's parse costs per
 * request. The checks only ever accept what the schema accepts; anything
 * they do not recognise for certain (another item or part type, a value out
 * of range, a field of the wrong type) goes to the schema, which decides and
 * words the 400 with its `param`. The accepted body is used as it is: it has
 * the schema's shape, and the translation reads only the fields it knows.
 */
import type { ResponsesRequest } from './to-chat.js';

type Json = Record<string, unknown>;

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
const TEXT_PARTS = new Set(['input_text', 'output_text', 'text']);
const TOOL_CHOICES = new Set(['auto', 'none', 'required']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTextParts(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const part: unknown = value[i];
    if (!isObject(part) || !TEXT_PARTS.has(part.type as string) || typeof part.text !== 'string') return false;
  }
  return true;
}

function isMessageItem(value: unknown): boolean {
  if (!isObject(value) || (value.type !== undefined && value.type !== 'message') || !ROLES.has(value.role as string)) return false;
  return typeof value.content === 'string' || isTextParts(value.content);
}

function isFunctionTool(value: unknown): boolean {
  return (
    isObject(value) &&
    value.type === 'function' &&
    typeof value.name === 'string' &&
    value.name.length > 0 &&
    (value.description == null || typeof value.description === 'string') &&
    (value.parameters == null || isObject(value.parameters)) &&
    (value.strict == null || typeof value.strict === 'boolean')
  );
}

function isToolChoice(value: unknown): boolean {
  if (typeof value === 'string') return TOOL_CHOICES.has(value);
  return isObject(value) && value.type === 'function' && typeof value.name === 'string' && value.name.length > 0;
}

function isTextFormat(value: unknown): boolean {
  // json_schema formats (a schema to check) go to the schema.
  return isObject(value) && (value.format === undefined || (isObject(value.format) && (value.format.type === 'text' || value.format.type === 'json_object')));
}

function isStringRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

function isNullableString(value: unknown): boolean {
  return value == null || typeof value === 'string';
}

function isNullableBoolean(value: unknown): boolean {
  return value == null || typeof value === 'boolean';
}

function isNullableNumberIn(value: unknown, min: number, max: number): boolean {
  return value == null || (typeof value === 'number' && value >= min && value <= max);
}

/** The body as a Responses request when it is certainly valid; undefined: let the schema decide. */
export function quickAcceptResponses(body: unknown): ResponsesRequest | undefined {
  if (!isObject(body) || typeof body.model !== 'string' || body.model.length === 0) return undefined;
  const input = body.input;
  if (typeof input !== 'string') {
    if (!Array.isArray(input)) return undefined;
    for (let i = 0; i < input.length; i++) if (!isMessageItem(input[i])) return undefined;
  }
  if (!isNullableString(body.instructions) || !isNullableString(body.previous_response_id) || !isNullableString(body.user)) return undefined;
  if (!isNullableBoolean(body.store) || !isNullableBoolean(body.stream) || !isNullableBoolean(body.parallel_tool_calls)) return undefined;
  if (body.tools != null) {
    if (!Array.isArray(body.tools)) return undefined;
    for (let i = 0; i < body.tools.length; i++) if (!isFunctionTool(body.tools[i])) return undefined;
  }
  if (body.tool_choice != null && !isToolChoice(body.tool_choice)) return undefined;
  if (!isNullableNumberIn(body.temperature, 0, 2) || !isNullableNumberIn(body.top_p, 0, 1)) return undefined;
  const max = body.max_output_tokens;
  if (max != null && !(Number.isSafeInteger(max) && (max as number) >= 1)) return undefined;
  if (body.text != null && !isTextFormat(body.text)) return undefined;
  if (body.metadata != null && !isStringRecord(body.metadata)) return undefined;
  return body as ResponsesRequest;
}
