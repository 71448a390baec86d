/**
 * An OpenAI Responses request -> the chat completion Homeport routes.
 *
 * `instructions` -> a system message (not carried over by
 * previous_response_id, as OpenAI documents); `input` as text or items:
 * messages (input_text/output_text parts, input_image -> image_url),
 * `function_call` items -> an assistant message's tool_calls (consecutive
 * calls join one message), `function_call_output` -> `tool` messages;
 * function tools; tool_choice; text.format -> response_format;
 * max_output_tokens -> max_tokens.
 */
import { z } from 'zod';

const contentPart = z.union([
  z.object({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() }).loose(),
  z.object({ type: z.literal('input_image'), image_url: z.string().optional(), file_id: z.string().optional() }).loose(),
  z.object({ type: z.literal('refusal'), refusal: z.string() }).loose(),
]);

const messageItem = z
  .object({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: z.union([z.string(), z.array(contentPart)]),
  })
  .loose();
const functionCallItem = z.object({ type: z.literal('function_call'), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string() }).loose();
const functionOutputItem = z.object({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.union([z.string(), z.array(z.unknown())]) }).loose();
const reasoningItem = z.object({ type: z.literal('reasoning') }).loose();
const itemReference = z.object({ type: z.literal('item_reference'), id: z.string() }).loose();

const inputItem = z.union([functionCallItem, functionOutputItem, reasoningItem, itemReference, messageItem], {
  error: "each input item must be a message, a 'function_call' or a 'function_call_output'",
});
export type InputItem = z.infer<typeof inputItem>;

const functionTool = z
  .object({
    type: z.literal('function', { error: "only tools of type 'function' are served by Homeport" }),
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  })
  .loose();

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), name: z.string().min(1) }).loose(),
]);

const textFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).loose(),
  z.object({ type: z.literal('json_object') }).loose(),
  z.object({ type: z.literal('json_schema'), name: z.string().min(1), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullish(), description: z.string().nullish() }).loose(),
]);

export const responsesRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(inputItem)]),
    instructions: z.string().nullish(),
    previous_response_id: z.string().nullish(),
    store: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    tools: z.array(functionTool).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    max_output_tokens: z.number().int().min(1).nullish(),
    text: z.object({ format: textFormat.optional() }).loose().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    user: z.string().nullish(),
  })
  .loose();
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

export type ChatMessage = Record<string, unknown>;

/** The request's own input as chat messages (what a stored response keeps, with its output, for the next turn). */
export function inputToChatMessages(input: ResponsesRequest['input']): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const out: ChatMessage[] = [];
  for (const item of input) {
    if (item.type === 'function_call') {
      const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const last = out.at(-1);
      if (last?.role === 'assistant' && Array.isArray(last.tool_calls)) (last.tool_calls as unknown[]).push(call);
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (item.type === 'function_call_output') {
      out.push({ role: 'tool', tool_call_id: item.call_id, content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
    } else if (item.type === 'reasoning' || item.type === 'item_reference') {
      continue;
    } else {
      out.push({ role: item.role, content: messageContent(item.content) });
    }
  }
  return out;
}

function messageContent(content: z.infer<typeof messageItem>['content']): unknown {
  if (typeof content === 'string') return content;
  const parts = content.flatMap((part): Record<string, unknown>[] => {
    if (part.type === 'input_image') return part.image_url ? [{ type: 'image_url', image_url: { url: part.image_url } }] : [];
    if (part.type === 'refusal') return [{ type: 'text', text: part.refusal }];
    return [{ type: 'text', text: part.text }];
  });
  return parts.every((part) => part.type === 'text') ? parts.map((part) => part.text as string).join('\n') : parts;
}

/** `conversation`: the earlier turns (previous_response_id) and this request's input, as chat messages. */
export function toChatBody(request: ResponsesRequest, conversation: readonly ChatMessage[]): Record<string, unknown> {
  const messages: ChatMessage[] = request.instructions ? [{ role: 'system', content: request.instructions }, ...conversation] : [...conversation];
  const body: Record<string, unknown> = { model: request.model, messages };
  if (request.tools != null && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description != null ? { description: tool.description } : {}),
        parameters: tool.parameters ?? { type: 'object', properties: {} },
        ...(tool.strict != null ? { strict: tool.strict } : {}),
      },
    }));
  }
  const choice = request.tool_choice;
  if (choice != null) body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
  if (request.parallel_tool_calls != null) body.parallel_tool_calls = request.parallel_tool_calls;
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.max_output_tokens != null) body.max_tokens = request.max_output_tokens;
  if (request.user != null) body.user = request.user;
  const format = request.text?.format;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name, schema: format.schema, ...(format.strict != null ? { strict: format.strict } : {}) },
    };
  }
  if (request.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}
