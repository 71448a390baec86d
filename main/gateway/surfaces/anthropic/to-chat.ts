/**
 * An Anthropic Messages request -> the chat completion Homeport routes.
 *
 * system -> a system message; user text -> user messages; `tool_result`
 * blocks -> `tool` messages (before the user's text, where Anthropic puts
 * them); assistant `tool_use` blocks -> `tool_calls`; images -> image_url
 * parts (runtimes without vision refuse them with their own 400);
 * tool_choice any/tool/none -> required/named/none; stop_sequences -> stop;
 * max_tokens, which Anthropic requires, stays required.
 */
import { z } from 'zod';

const textBlock = z.object({ type: z.literal('text'), text: z.string() }).loose();
const imageBlock = z
  .object({
    type: z.literal('image'),
    source: z.union([
      z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
      z.object({ type: z.literal('url'), url: z.string() }),
    ]),
  })
  .loose();
const toolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown() }).loose();
const toolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(z.union([textBlock, imageBlock]))]).optional(),
    is_error: z.boolean().optional(),
  })
  .loose();
const thinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).loose();
const block = z.discriminatedUnion('type', [textBlock, imageBlock, toolUseBlock, toolResultBlock, thinkingBlock], {
  error: "each content block must be of type 'text', 'image', 'tool_use', 'tool_result' or 'thinking'",
});

const message = z.object({
  role: z.enum(['user', 'assistant'], { error: "role must be 'user' or 'assistant'" }),
  content: z.union([z.string(), z.array(block)]),
});

const tool = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, underscores or dashes' }),
    description: z.string().optional(),
    input_schema: z.record(z.string(), z.unknown()),
    type: z.literal('custom').optional(),
  })
  .loose();

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const base = {
  model: z.string().min(1),
  messages: z.array(message).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
};

export const messagesRequestSchema = z
  .object({
    ...base,
    max_tokens: z.number().int().min(1),
    stop_sequences: z.array(z.string().min(1)).optional(),
    temperature: z.number().min(0).max(1).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).optional(),
    stream: z.boolean().optional(),
    metadata: z.object({ user_id: z.string().nullish() }).loose().optional(),
  })
  .loose();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const countTokensRequestSchema = z.object(base).loose();
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

type ChatMessage = Record<string, unknown>;

/** The messages, system and tools part (shared with count_tokens). */
export function toChatConversation(request: CountTokensRequest): { messages: ChatMessage[]; tools?: unknown[]; tool_choice?: unknown; parallel_tool_calls?: boolean } {
  const messages: ChatMessage[] = [];
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((part) => part.text).join('\n');
  if (system !== '') messages.push({ role: 'system', content: system });
  for (const item of request.messages) messages.push(...toChatMessages(item));

  const out: ReturnType<typeof toChatConversation> = { messages };
  if (request.tools !== undefined && request.tools.length > 0) {
    out.tools = request.tools.map((entry) => ({
      type: 'function',
      function: { name: entry.name, ...(entry.description !== undefined ? { description: entry.description } : {}), parameters: entry.input_schema },
    }));
  }
  const choice = request.tool_choice;
  if (choice !== undefined) {
    if (choice.type === 'auto') out.tool_choice = 'auto';
    else if (choice.type === 'any') out.tool_choice = 'required';
    else if (choice.type === 'none') out.tool_choice = 'none';
    else out.tool_choice = { type: 'function', function: { name: choice.name } };
    if ('disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  return out;
}

export function toChatBody(request: MessagesRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: request.model, ...toChatConversation(request), max_tokens: request.max_tokens };
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) body.stop = request.stop_sequences;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.top_p !== undefined) body.top_p = request.top_p;
  if (request.top_k !== undefined) body.top_k = request.top_k;
  if (typeof request.metadata?.user_id === 'string') body.user = request.metadata.user_id;
  if (request.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

function toChatMessages(item: z.infer<typeof message>): ChatMessage[] {
  if (typeof item.content === 'string') return [{ role: item.role, content: item.content }];
  if (item.role === 'assistant') {
    const text = item.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
    const calls = item.content.flatMap((part) =>
      part.type === 'tool_use' ? [{ id: part.id, type: 'function', function: { name: part.name, arguments: JSON.stringify(part.input ?? {}) } }] : [],
    );
    return [{ role: 'assistant', content: text === '' && calls.length > 0 ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) }];
  }
  const out: ChatMessage[] = [];
  const parts: Record<string, unknown>[] = [];
  for (const part of item.content) {
    if (part.type === 'tool_result') {
      const content = typeof part.content === 'string' ? part.content : (part.content ?? []).flatMap((inner) => (inner.type === 'text' ? [inner.text] : [])).join('\n');
      out.push({ role: 'tool', tool_call_id: part.tool_use_id, content: part.is_error === true ? `Error: ${content}` : content });
    } else if (part.type === 'text') {
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'image') {
      const url = part.source.type === 'url' ? part.source.url : `data:${part.source.media_type};base64,${part.source.data}`;
      parts.push({ type: 'image_url', image_url: { url } });
    }
  }
  if (parts.length > 0) {
    const textOnly = parts.every((part) => part.type === 'text');
    out.push({ role: 'user', content: textOnly ? parts.map((part) => part.text as string).join('\n') : parts });
  }
  return out;
}
