/**
 * Request bodies of the worker's OpenAI endpoints, as zod schemas, and the
 * translation of a validation failure into a 400 whose `param` names the field
 * (`messages`, `messages[0].content`, `temperature`...). Unknown fields are
 * ignored, as OpenAI-compatible servers usually do, except those that would
 * silently change the meaning of the answer (n > 1, text-completion logprobs).
 */
import { z } from 'zod';
import { invalidRequest, type ApiError } from './api-errors.js';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

const stopSchema = z.union([z.string().min(1), z.array(z.string().min(1)).max(4)], {
  error: 'must be a non-empty string or an array of at most 4 non-empty strings',
});

const tokenIdsSchema = z.array(z.number().int().min(0)).min(1);

/** Sampling and length parameters shared by chat and text completions. */
const generationFields = {
  model: nullish(z.string()),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  /** llama.cpp extensions, accepted like llama-server does. */
  top_k: nullish(z.number().int().min(0)),
  min_p: nullish(z.number().min(0).max(1)),
  max_tokens: nullish(z.number().int().min(1)),
  stop: nullish(stopSchema),
  seed: nullish(z.number().int()),
  presence_penalty: nullish(z.number().min(-2).max(2)),
  frequency_penalty: nullish(z.number().min(-2).max(2)),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.object({ include_usage: nullish(z.boolean()) })),
  n: nullish(z.number().int().min(1).max(1, { error: 'only n = 1 is supported by the embedded runtime' })),
  logprobs: nullish(z.union([z.literal(false), z.number().int().max(0)], { error: 'logprobs are not supported by the embedded runtime' })),
};

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() });
const contentSchema = z.union([z.string(), z.array(textPartSchema)], {
  error: 'must be a string or an array of {"type":"text","text":...} parts',
});

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.literal('system'), content: contentSchema }),
    z.object({ role: z.literal('developer'), content: contentSchema }),
    z.object({ role: z.literal('user'), content: contentSchema }),
    z.object({ role: z.literal('assistant'), content: nullish(contentSchema), tool_calls: nullish(z.array(toolCallSchema)) }),
    z.object({ role: z.literal('tool'), content: contentSchema, tool_call_id: z.string().min(1) }),
  ],
  { error: "role must be 'system', 'developer', 'user', 'assistant' or 'tool'" },
);

const functionToolSchema = z.object({
  type: z.literal('function', { error: "only tools of type 'function' are supported" }),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, underscores or dashes' }),
    description: nullish(z.string()),
    parameters: nullish(z.record(z.string(), z.unknown())),
    strict: nullish(z.boolean()),
  }),
});

const toolChoiceSchema = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
  ],
  { error: "must be 'auto', 'none', 'required' or {\"type\": \"function\", \"function\": {\"name\": ...}}" },
);

const responseFormatSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object({
        name: z.string().min(1),
        description: nullish(z.string()),
        schema: nullish(z.record(z.string(), z.unknown())),
        strict: nullish(z.boolean()),
      }),
    }),
  ],
  { error: "type must be 'text', 'json_object' or 'json_schema'" },
);

export const chatCompletionSchema = z
  .object({
    ...generationFields,
    messages: z.array(messageSchema).min(1),
    max_completion_tokens: nullish(z.number().int().min(1)),
    tools: nullish(z.array(functionToolSchema).max(128)),
    tool_choice: nullish(toolChoiceSchema),
    parallel_tool_calls: nullish(z.boolean()),
    response_format: nullish(responseFormatSchema),
    logprobs: nullish(z.boolean()),
    top_logprobs: nullish(z.number().int().min(0).max(20)),
  })
  .refine((body) => body.top_logprobs == null || body.logprobs === true, {
    path: ['top_logprobs'],
    error: "requires 'logprobs': true",
  });
export type ChatCompletionRequest = z.infer<typeof chatCompletionSchema>;
export type ChatMessage = ChatCompletionRequest['messages'][number];

export const completionSchema = z.object({
  ...generationFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIdsSchema, z.array(tokenIdsSchema).min(1)], {
    error: 'must be a string, an array of strings, an array of token ids or an array of token id arrays',
  }),
  echo: nullish(z.literal(false, { error: 'echo is not supported by the embedded runtime' })),
  best_of: nullish(z.literal(1, { error: 'best_of is not supported by the embedded runtime' })),
  suffix: nullish(z.string().max(0, { error: 'suffix is not supported by the embedded runtime' })),
});
export type CompletionRequest = z.infer<typeof completionSchema>;

export const embeddingSchema = z.object({
  model: nullish(z.string()),
  input: z.union(
    [z.string().min(1), z.array(z.string().min(1)).min(1).max(2048), tokenIdsSchema, z.array(tokenIdsSchema).min(1).max(2048)],
    { error: 'must be a non-empty string, an array of non-empty strings, an array of token ids or an array of token id arrays' },
  ),
  encoding_format: nullish(z.enum(['float', 'base64'])),
  dimensions: nullish(z.number().int().min(1)),
});
export type EmbeddingRequest = z.infer<typeof embeddingSchema>;

/** Validate `body` or throw a 400 ApiError naming the first bad field. */
export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw validationError(result.error.issues[0]);
}

function validationError(issue: z.core.$ZodIssue | undefined): ApiError {
  if (issue === undefined) return invalidRequest('The request body is invalid.');
  if (issue.path.length === 0) {
    return invalidRequest(`The request body must be a JSON object (${issue.message}).`);
  }
  const param = formatPath(issue.path);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return invalidRequest(`Missing required parameter: '${param}'.`, param);
  }
  return invalidRequest(`Invalid value for '${param}': ${lowerFirst(issue.message)}.`, param);
}

/** ['messages', 0, 'content'] -> 'messages[0].content' */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}
