/**
 * OpenAI chat messages -> prompt tokens, formatted by the model's own chat
 * template through node-llama-cpp's chat wrapper (resolveChatWrapper picks it
 * from the GGUF; a model without a template gets a fallback wrapper).
 *
 * The wrapper also says how a turn ends (stopGenerationTriggers): text
 * markers become hidden stop strings, markers that are single special tokens
 * become stop tokens (models whose template markers are plain text in their
 * vocabulary need the former, real chat models the latter).
 *
 * A conversation that ends with an assistant message is continued from that
 * message (prefill), as llama-server does.
 *
 * Tools (tool-calls.ts): their description joins the system turn; an
 * assistant's earlier tool call is shown as the JSON the model writes for a
 * call, and a `tool` message as a user turn carrying the call's result, so
 * the model sees the same protocol it is constrained to.
 */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, LlamaText, LlamaTextValue, Token } from 'node-llama-cpp';
import { invalidRequest } from './api-errors.js';
import type { ChatMessage } from './request-schemas.js';

export interface ChatPrompt {
  readonly tokens: Token[];
  readonly stopStrings: readonly string[];
  readonly stopTokens: ReadonlySet<Token>;
}

export function buildChatPrompt(options: {
  readonly model: LlamaModel;
  readonly chatWrapper: ChatWrapper;
  readonly messages: readonly ChatMessage[];
  /** Text describing the available tools, added to the system turn ('' for none). */
  readonly toolInstructions?: string;
}): ChatPrompt {
  const { model, chatWrapper, messages } = options;
  const names = toolNamesById(messages);
  const history = withToolInstructions(
    messages.map((message) => toHistoryItem(message, names)),
    options.toolInstructions ?? '',
  );
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });

  let state: ReturnType<ChatWrapper['generateContextState']>;
  try {
    state = chatWrapper.generateContextState({ chatHistory: history });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`The model's chat template cannot format these messages: ${detail}`, 'messages');
  }
  const tokens = state.contextText.tokenize(model.tokenizer);
  return { tokens, ...splitStopTriggers(state.stopGenerationTriggers, model) };
}

function toHistoryItem(message: ChatMessage, toolNames: ReadonlyMap<string, string>): ChatHistoryItem {
  const text = contentText(message.content);
  switch (message.role) {
    case 'system':
    case 'developer':
      return { type: 'system', text };
    case 'user':
      return { type: 'user', text };
    case 'assistant': {
      const calls = (message.tool_calls ?? []).map((call) => `{"name": ${JSON.stringify(call.function.name)}, "arguments": ${call.function.arguments || '{}'}}`);
      const parts = [text, ...calls].filter((part) => part !== '');
      return { type: 'model', response: parts.length === 0 ? [] : [parts.join('\n')] };
    }
    case 'tool': {
      const name = toolNames.get(message.tool_call_id);
      return { type: 'user', text: `Result of the tool call ${name ?? message.tool_call_id}: ${text}` };
    }
  }
}

/** Tool-call id -> function name, from the assistant messages that made the calls. */
function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  return names;
}

function withToolInstructions(history: ChatHistoryItem[], instructions: string): ChatHistoryItem[] {
  if (instructions === '') return history;
  const first = history[0];
  if (first?.type === 'system') {
    const text = typeof first.text === 'string' ? first.text : '';
    return [{ type: 'system', text: text === '' ? instructions : `${text}\n\n${instructions}` }, ...history.slice(1)];
  }
  return [{ type: 'system', text: instructions }, ...history];
}

function contentText(content: ChatMessage['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('\n');
}

function splitStopTriggers(
  triggers: readonly LlamaText[],
  model: LlamaModel,
): { stopStrings: string[]; stopTokens: Set<Token> } {
  const stopStrings = new Set<string>();
  const stopTokens = new Set<Token>();
  for (const trigger of triggers) {
    if (trigger.values.every((value) => !isBuiltinSpecialToken(value))) {
      const text = trigger.values.map((value) => (typeof value === 'string' ? value : value.value)).join('');
      if (text !== '') stopStrings.add(text);
    }
    const tokens = trigger.tokenize(model.tokenizer);
    if (tokens.length === 1 && model.isSpecialToken(tokens[0])) stopTokens.add(tokens[0]!);
  }
  return { stopStrings: [...stopStrings], stopTokens };
}

/** A builtin special token (BOS, EOS, EOT...), as opposed to text or special-token markup text. */
function isBuiltinSpecialToken(value: LlamaTextValue): boolean {
  return typeof value !== 'string' && value.toJSON().type === 'specialToken';
}
