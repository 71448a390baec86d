/**
 * The shapes the Playground saves: conversations (one or more lanes of
 * messages, one lane per model in a side-by-side comparison) and presets
 * (a system prompt plus sampling parameters). zod validates everything that
 * arrives over HTTP; the types below are inferred from the schemas.
 */
import { z } from 'zod';

const text = (name: string, max: number) => z.string({ error: `${name} must be text` }).max(max, { error: `${name} must be at most ${max} characters` });

/** What a lane sends its requests to: a route name or a model id, as the `model` field of the request. */
export const targetSchema = z.object({
  kind: z.enum(['model', 'route'], { error: 'target.kind must be "model" or "route"' }),
  id: text('target.id', 300).min(1, { error: 'target.id must not be empty' }),
});

/** Sampling parameters; absent means "the server's default". */
export const parametersSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  seed: z.number().int().optional(),
  stop: z.array(text('stop', 200)).max(4, { error: 'at most 4 stop sequences' }).optional(),
});

/** What the engine said about one answer (from the response headers and usage). */
export const messageStatsSchema = z.object({
  model: text('model', 300).optional(),
  route: text('route', 300).optional(),
  tier: text('tier', 40).optional(),
  cache: text('cache', 40).optional(),
  requestId: text('requestId', 200).optional(),
  ttftMs: z.number().min(0).optional(),
  tokensPerSecond: z.number().min(0).optional(),
  promptTokens: z.number().int().min(0).optional(),
  completionTokens: z.number().int().min(0).optional(),
  finishReason: text('finishReason', 60).optional(),
  stopped: z.boolean().optional(),
  error: text('error', 4000).optional(),
  /** The request field the error names (OpenAI's `param`). */
  errorParam: text('errorParam', 200).optional(),
  /** The tier the Playground forced with `x-homeport-tier` (absent = the route decided). */
  forcedTier: text('forcedTier', 40).optional(),
});

export const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant'], { error: 'role must be system, user or assistant' }),
  content: text('content', 2_000_000),
  createdAt: z.string().max(40).optional(),
  stats: messageStatsSchema.optional(),
});

export const laneSchema = z.object({
  target: targetSchema,
  messages: z.array(messageSchema).max(10_000),
});

/** A conversation as the panel sends it to be saved. */
export const conversationInputSchema = z.object(
  {
    title: text('title', 300).optional(),
    systemPrompt: text('systemPrompt', 200_000).default(''),
    parameters: parametersSchema.default({}),
    lanes: z.array(laneSchema).min(1, { error: 'a conversation has at least one lane' }).max(8, { error: 'at most 8 lanes side by side' }),
  },
  { error: 'Send a JSON body: {"systemPrompt", "parameters", "lanes": [{"target": {"kind","id"}, "messages": [...]}]}' },
);

export const presetInputSchema = z.object(
  {
    name: text('name', 200).min(1, { error: 'name must not be empty' }),
    systemPrompt: text('systemPrompt', 200_000).default(''),
    parameters: parametersSchema.default({}),
  },
  { error: 'Send a JSON body: {"name", "systemPrompt", "parameters"}' },
);

export type PlaygroundTarget = z.infer<typeof targetSchema>;
export type SamplingParameters = z.infer<typeof parametersSchema>;
export type MessageStats = z.infer<typeof messageStatsSchema>;
export type PlaygroundMessage = z.infer<typeof messageSchema>;
export type Lane = z.infer<typeof laneSchema>;
export type ConversationInput = z.input<typeof conversationInputSchema>;
export type PresetInput = z.input<typeof presetInputSchema>;

export interface Conversation {
  readonly id: string;
  readonly title: string;
  readonly systemPrompt: string;
  readonly parameters: SamplingParameters;
  readonly lanes: readonly Lane[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A row of the conversation list: enough to show and search, without the messages. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly targets: readonly PlaygroundTarget[];
  readonly messageCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Preset {
  readonly id: string;
  readonly name: string;
  readonly systemPrompt: string;
  readonly parameters: SamplingParameters;
  readonly createdAt: string;
  readonly updatedAt: string;
}
