/**
 * The OpenAI chat request one lane sends, built from the Playground's
 * settings and the lane's messages. Pure: the same function feeds the stream,
 * the raw request view and the copy-as-code snippets.
 */
import type { PlaygroundTarget, SamplingParameters } from '../../../main/playground/schema.js';

export interface ChatTurn {
  readonly role: 'user' | 'assistant' | 'system';
  readonly content: string;
}

export interface ChatRequestInput {
  readonly target: PlaygroundTarget;
  readonly systemPrompt: string;
  readonly parameters: SamplingParameters;
  /** The conversation so far, ending with the user message to answer. */
  readonly turns: readonly ChatTurn[];
  readonly stream?: boolean;
}

/** The body of POST /v1/chat/completions. A route is asked for by name, as apps do. */
export function buildChatRequest(input: ChatRequestInput): Record<string, unknown> {
  const { parameters: p } = input;
  const messages: ChatTurn[] = [];
  if (input.systemPrompt.trim()) messages.push({ role: 'system', content: input.systemPrompt });
  for (const turn of input.turns) messages.push({ role: turn.role, content: turn.content });
  const stream = input.stream ?? true;
  return {
    model: input.target.id,
    messages,
    ...(p.temperature !== undefined ? { temperature: p.temperature } : {}),
    ...(p.topP !== undefined ? { top_p: p.topP } : {}),
    ...(p.maxTokens !== undefined ? { max_tokens: p.maxTokens } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    ...(p.stop && p.stop.length > 0 ? { stop: [...p.stop] } : {}),
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
}
