import { invalidField } from './errors.js';

/**
 * Cheap structural checks on request bodies: only what routing needs plus
 * the mistakes that are easy to name (a field of the wrong type). Everything
 * else is left to the runtime, which knows its own parameters. Hand-rolled
 * on purpose: a loop over a small table costs a few microseconds per request.
 */

/** What the gateway needs from a valid body to route it. */
export interface RoutedBody {
  readonly model: string;
  readonly stream: boolean;
}

export type BodyValidator = (body: Readonly<Record<string, unknown>>) => RoutedBody;

type FieldKind = 'number' | 'integer' | 'boolean' | 'string' | 'object' | 'array' | 'stop';

const KIND_WORDS: Record<FieldKind, string> = {
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  string: 'a string',
  object: 'an object',
  array: 'an array',
  stop: 'a string or an array of strings',
};

/** Optional fields and their types; `null` is accepted as "not set", as OpenAI does. */
type FieldTable = Readonly<Record<string, FieldKind>>;

const SAMPLING_FIELDS: FieldTable = {
  stream: 'boolean',
  stream_options: 'object',
  temperature: 'number',
  top_p: 'number',
  top_k: 'integer',
  min_p: 'number',
  presence_penalty: 'number',
  frequency_penalty: 'number',
  repeat_penalty: 'number',
  max_tokens: 'integer',
  n: 'integer',
  seed: 'integer',
  stop: 'stop',
  logit_bias: 'object',
  user: 'string',
};

const CHAT_FIELDS: FieldTable = {
  ...SAMPLING_FIELDS,
  max_completion_tokens: 'integer',
  logprobs: 'boolean',
  top_logprobs: 'integer',
  response_format: 'object',
  tools: 'array',
  parallel_tool_calls: 'boolean',
};

const COMPLETION_FIELDS: FieldTable = {
  ...SAMPLING_FIELDS,
  logprobs: 'integer',
  echo: 'boolean',
  best_of: 'integer',
  suffix: 'string',
};

const EMBEDDING_FIELDS: FieldTable = {
  encoding_format: 'string',
  dimensions: 'integer',
  user: 'string',
};

function hasKind(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'stop':
      return typeof value === 'string' || (Array.isArray(value) && value.every((s) => typeof s === 'string'));
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkFields(body: Readonly<Record<string, unknown>>, table: FieldTable): void {
  for (const field in table) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    const kind = table[field] as FieldKind;
    if (!hasKind(value, kind)) {
      throw invalidField(field, `\`${field}\` must be ${KIND_WORDS[kind]}, not ${describe(value)}.`);
    }
  }
}

function checkModel(body: Readonly<Record<string, unknown>>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    const problem = model === undefined ? 'is missing' : `must be a non-empty string, not ${describe(model)}`;
    throw invalidField('model', `\`model\` ${problem}. Name one of the models listed at GET /v1/models.`);
  }
  return model;
}

function routed(body: Readonly<Record<string, unknown>>, model: string): RoutedBody {
  return { model, stream: body.stream === true };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string, an array of strings, an array of token ids, or an array of token-id arrays. */
function isTextOrTokens(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (!Array.isArray(value)) return false;
  return (
    value.every((item) => typeof item === 'string') ||
    value.every((item) => Number.isInteger(item)) ||
    value.every((item) => Array.isArray(item) && item.every((token) => Number.isInteger(token)))
  );
}

/** The message roles OpenAI's chat API accepts; anything else is a client's mistake, named before a runtime guesses. */
const CHAT_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const ROLE_LIST = [...CHAT_ROLES].map((r) => `"${r}"`).join(', ');

export const validateChatBody: BodyValidator = (body) => {
  const model = checkModel(body);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    const problem = messages === undefined ? 'is missing' : 'must be a non-empty array';
    throw invalidField('messages', `\`messages\` ${problem}: send at least one {"role", "content"} message.`);
  }
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isObject(message)) throw invalidField(`messages[${i}]`, `\`messages[${i}]\` must be an object with a \`role\`.`);
    if (typeof message.role !== 'string' || !CHAT_ROLES.has(message.role)) {
      const given = typeof message.role === 'string' ? `"${message.role.slice(0, 40)}"` : describe(message.role);
      throw invalidField(`messages[${i}].role`, `\`messages[${i}].role\` is ${given}; use one of ${ROLE_LIST}.`);
    }
  }
  checkFields(body, CHAT_FIELDS);
  return routed(body, model);
};

export const validateCompletionBody: BodyValidator = (body) => {
  const model = checkModel(body);
  if (!isTextOrTokens(body.prompt)) {
    const problem = body.prompt === undefined ? 'is missing' : `must be a string or an array of strings, not ${describe(body.prompt)}`;
    throw invalidField('prompt', `\`prompt\` ${problem}.`);
  }
  checkFields(body, COMPLETION_FIELDS);
  return routed(body, model);
};

export const validateEmbeddingBody: BodyValidator = (body) => {
  const model = checkModel(body);
  if (!isTextOrTokens(body.input)) {
    const problem = body.input === undefined ? 'is missing' : `must be a string or an array of strings, not ${describe(body.input)}`;
    throw invalidField('input', `\`input\` ${problem}.`);
  }
  checkFields(body, EMBEDDING_FIELDS);
  // Embeddings never stream, whatever the body says.
  return { model, stream: false };
};
