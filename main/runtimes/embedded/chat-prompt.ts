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
}): ChatPrompt {
  const { model, chatWrapper, messages } = options;
  const history = messages.map(toHistoryItem);
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

function toHistoryItem(message: ChatMessage): ChatHistoryItem {
  const text = contentText(message.content);
  switch (message.role) {
    case 'system':
    case 'developer':
      return { type: 'system', text };
    case 'user':
      return { type: 'user', text };
    case 'assistant':
      return { type: 'model', response: text === '' ? [] : [text] };
  }
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
