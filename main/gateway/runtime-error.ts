/**
 * A runtime's or provider's error answer in OpenAI's shape. Each runtime has
 * its own: llama-server sends a numeric `code` and no `param`, older vLLM puts
 * the fields at the top level, Ollama's native errors are a bare string, and a
 * crashing server may send plain text. Clients (typed SDKs above all) expect
 * `{"error":{"message","type","param","code"}}` with `code` a string or null,
 * so the message and type are kept word for word, any other fields the runtime
 * added (llama-server's `n_prompt_tokens`, `n_ctx`) stay, and only the shape
 * changes (plus OpenAI's `context_length_exceeded` code on a prompt that does
 * not fit). An answer already in that shape is returned byte for byte.
 */
import { isContextErrorObject } from '../routing/context-errors.js';
import { defaultErrorType } from './errors.js';

interface ErrorFields {
  readonly message: string;
  readonly type?: unknown;
  readonly param?: unknown;
  readonly code?: unknown;
  readonly [extra: string]: unknown;
}

const LONGEST_TEXT = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error object inside a parsed body, in whichever place the runtime put it. */
function fieldsOf(parsed: unknown): ErrorFields | null {
  if (!isRecord(parsed)) return null;
  const { error } = parsed;
  if (isRecord(error) && typeof error.message === 'string') return error as ErrorFields;
  if (typeof error === 'string') return { message: error };
  if (typeof parsed.message === 'string') {
    const { object: _object, ...rest } = parsed;
    return rest as ErrorFields;
  }
  if (typeof parsed.detail === 'string') return { message: parsed.detail };
  return null;
}

function isOpenAIShaped(parsed: unknown): boolean {
  if (!isRecord(parsed) || Object.keys(parsed).length !== 1 || !isRecord(parsed.error)) return false;
  const e = parsed.error;
  return typeof e.message === 'string' && typeof e.type === 'string' && (e.param === null || typeof e.param === 'string') && (e.code === null || typeof e.code === 'string');
}

/** The message a runtime's error body carries (any shape), or its text. */
export function runtimeErrorMessage(text: string): string {
  try {
    const fields = fieldsOf(JSON.parse(text));
    if (fields) return fields.message;
  } catch {
    // Not JSON: the text itself.
  }
  return text.trim().slice(0, LONGEST_TEXT);
}

/** The body to send the client for an error answer with this status. */
export function openAIErrorBody(status: number, body: Buffer): Buffer {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isOpenAIShaped(parsed)) return body;
  const fields = fieldsOf(parsed) ?? { message: text.trim().slice(0, LONGEST_TEXT) || `The model's server answered HTTP ${status} with no message.` };
  const { message, type, param, code, ...extra } = fields;
  return Buffer.from(
    JSON.stringify({
      error: {
        message,
        type: typeof type === 'string' && type !== '' ? type : defaultErrorType(status),
        param: typeof param === 'string' ? param : null,
        // OpenAI's code for a prompt that does not fit, which clients look for, whatever the runtime called it.
        code: typeof code === 'string' ? code : isRecord(parsed) && isRecord(parsed.error) && isContextErrorObject(parsed.error) ? 'context_length_exceeded' : null,
        ...extra,
      },
    }),
  );
}
