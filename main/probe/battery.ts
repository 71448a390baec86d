/**
 * The probe battery: one short request (or a few) per feature, sent to a
 * model through an OpenAI-compatible endpoint (the gateway's /v1), each
 * judged from what came back. The checks are small pure judgements over
 * the answers; sending is injected (`ChatSender`).
 */
import type { FeatureResult, FeatureVerdict, ProbeFeature } from './types.js';

type Json = Record<string, unknown>;

export interface ChatSender {
  /** POST /chat/completions, non-stream; `body` is the parsed answer (or `{}` when it was not JSON). */
  json(body: Json): Promise<{ readonly status: number; readonly body: Json }>;
  /** POST /chat/completions with `stream: true`; the parsed `data:` events, `[DONE]` excluded. */
  stream(body: Json): Promise<{ readonly status: number; readonly events: readonly Json[]; readonly body?: Json }>;
}

export interface BatteryOptions {
  readonly send: ChatSender;
  readonly model: string;
  /** The context length the model reports (tokens); null when unknown. */
  readonly contextLength: number | null;
  /** Only these features (default: all). */
  readonly features?: readonly ProbeFeature[];
}

const PROMPT = [{ role: 'user', content: 'Once upon a time, there was a little girl named Lily. She' }];
const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};
const COLORS = ['red', 'green', 'blue'];
const ANSWER_SCHEMA = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, color: { type: 'string', enum: COLORS } },
  required: ['ok', 'color'],
  additionalProperties: false,
};

const result = (feature: ProbeFeature, verdict: FeatureVerdict, evidence: string): FeatureResult => ({ feature, verdict, evidence: clip(evidence) });

function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `400: the message` from an OpenAI-shaped error body. */
function refusal(status: number, body: Json | undefined): string {
  const error = body?.error as { message?: unknown } | string | undefined;
  const message = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : JSON.stringify(body ?? {});
  return `${status}: ${message}`;
}

function firstChoice(body: Json): Json | undefined {
  const choices = body.choices;
  return Array.isArray(choices) ? (choices[0] as Json | undefined) : undefined;
}

function contentOf(body: Json): string {
  const message = firstChoice(body)?.message as Json | undefined;
  return typeof message?.content === 'string' ? message.content : '';
}

const quote = (text: string) => JSON.stringify(clip(text, 60));

export async function checkTools(send: ChatSender, model: string): Promise<FeatureResult> {
  const { status, body } = await send.json({ model, messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: [WEATHER_TOOL], tool_choice: 'required', max_tokens: 64, temperature: 0 });
  if (status >= 400) return result('tools', 'error', refusal(status, body));
  const choice = firstChoice(body);
  const calls = (choice?.message as Json | undefined)?.tool_calls;
  if (!Array.isArray(calls) || calls.length === 0) return result('tools', 'ignored', `no tool_calls; finish_reason ${String(choice?.finish_reason)}, text ${quote(contentOf(body))}`);
  const call = calls[0] as Json;
  const fn = call.function as Json | undefined;
  const problems: string[] = [];
  if (typeof call.id !== 'string' || call.id === '') problems.push('no id');
  if (call.type !== 'function') problems.push(`type ${JSON.stringify(call.type)}`);
  if (fn?.name !== 'get_weather') problems.push(`name ${JSON.stringify(fn?.name)}`);
  let args: unknown;
  try {
    args = JSON.parse(String(fn?.arguments));
  } catch {
    problems.push(`arguments not JSON: ${quote(String(fn?.arguments))}`);
  }
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) problems.push('arguments not an object');
  if (problems.length > 0) return result('tools', 'ignored', `malformed tool call: ${problems.join(', ')}`);
  return result('tools', 'honoured', `get_weather(${String(fn?.arguments)}), finish_reason ${String(choice?.finish_reason)}`);
}

/** Why `value` does not match ANSWER_SCHEMA, or null when it does. */
export function answerSchemaProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const v = value as Json;
  const extra = Object.keys(v).filter((k) => k !== 'ok' && k !== 'color');
  if (extra.length > 0) return `extra properties ${extra.join(', ')}`;
  if (typeof v.ok !== 'boolean') return '"ok" is not a boolean';
  if (typeof v.color !== 'string' || !COLORS.includes(v.color)) return '"color" is not one of red, green, blue';
  return null;
}

export async function checkJsonSchema(send: ChatSender, model: string): Promise<FeatureResult> {
  const { status, body } = await send.json({
    model,
    messages: [{ role: 'user', content: 'Answer with a colour.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: ANSWER_SCHEMA } },
    max_tokens: 64,
    temperature: 0,
  });
  if (status >= 400) return result('json_schema', 'error', refusal(status, body));
  const text = contentOf(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return result('json_schema', 'ignored', `not JSON: ${quote(text)}`);
  }
  const problem = answerSchemaProblem(parsed);
  return problem === null ? result('json_schema', 'honoured', `validates: ${text}`) : result('json_schema', 'ignored', `does not validate (${problem}): ${quote(text)}`);
}

export async function checkSeed(send: ChatSender, model: string): Promise<FeatureResult> {
  const ask = (seed: number) => send.json({ model, messages: PROMPT, seed, temperature: 1, max_tokens: 24 });
  const first = await ask(4242);
  if (first.status >= 400) return result('seed', 'error', refusal(first.status, first.body));
  const second = await ask(4242);
  if (second.status >= 400) return result('seed', 'error', refusal(second.status, second.body));
  const a = contentOf(first.body);
  const b = contentOf(second.body);
  if (a !== b) return result('seed', 'ignored', `seed 4242 twice at temperature 1 gave different text: ${quote(a)} vs ${quote(b)}`);
  const other = await ask(7);
  const differs = other.status < 400 && contentOf(other.body) !== a;
  return result('seed', 'honoured', `seed 4242 twice at temperature 1: same text ${quote(a)}${differs ? '; seed 7 differs' : '; seed 7 gave the same text too'}`);
}

/** A stop string taken from the model's own free answer, so a tiny model is tested on text it really writes. */
export function pickStop(text: string): string | null {
  const words = [...text.matchAll(/[A-Za-z]{3,}/g)];
  const word = words.find((m) => (m.index ?? 0) >= 3) ?? null;
  return word ? word[0] : null;
}

export async function checkStop(send: ChatSender, model: string): Promise<FeatureResult> {
  const base = { model, messages: PROMPT, temperature: 0, seed: 1, max_tokens: 24 };
  const free = await send.json(base);
  if (free.status >= 400) return result('stop', 'error', refusal(free.status, free.body));
  const text = contentOf(free.body);
  const stop = pickStop(text);
  if (stop === null) return result('stop', 'unknown', `the free answer had no word to stop at: ${quote(text)}`);
  const stopped = await send.json({ ...base, stop: [stop] });
  if (stopped.status >= 400) return result('stop', 'error', refusal(stopped.status, stopped.body));
  const out = contentOf(stopped.body);
  const finish = String(firstChoice(stopped.body)?.finish_reason);
  if (out.includes(stop)) return result('stop', 'ignored', `stop ${JSON.stringify(stop)} still in the answer: ${quote(out)}`);
  return result('stop', 'honoured', `stop ${JSON.stringify(stop)}: answer ends before it (${quote(out)}), finish_reason ${finish}`);
}

export async function checkLogprobs(send: ChatSender, model: string): Promise<FeatureResult> {
  const { status, body } = await send.json({ model, messages: PROMPT, logprobs: true, top_logprobs: 2, max_tokens: 4, temperature: 0 });
  if (status >= 400) return result('logprobs', 'error', refusal(status, body));
  const content = (firstChoice(body)?.logprobs as Json | undefined)?.content;
  if (!Array.isArray(content) || content.length === 0) return result('logprobs', 'ignored', 'answered without choices[0].logprobs.content');
  const first = content[0] as Json;
  if (typeof first.token !== 'string' || typeof first.logprob !== 'number') return result('logprobs', 'ignored', `malformed logprobs entry: ${quote(JSON.stringify(first))}`);
  const tops = Array.isArray(first.top_logprobs) ? first.top_logprobs.length : 0;
  return result('logprobs', 'honoured', `${content.length} tokens with logprobs, first ${JSON.stringify(first.token)} ${first.logprob.toFixed(3)}, ${tops} top_logprobs`);
}

export async function checkIncludeUsage(send: ChatSender, model: string): Promise<FeatureResult> {
  const { status, events, body } = await send.stream({ model, messages: PROMPT, stream: true, stream_options: { include_usage: true }, max_tokens: 4, temperature: 0 });
  if (status >= 400) return result('include_usage', 'error', refusal(status, body));
  const usage = events.find((e) => e.usage !== null && typeof e.usage === 'object')?.usage as Json | undefined;
  if (usage === undefined || typeof usage.completion_tokens !== 'number') return result('include_usage', 'ignored', `${events.length} chunks, none with usage`);
  return result('include_usage', 'honoured', `usage chunk: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens`);
}

export async function checkN(send: ChatSender, model: string): Promise<FeatureResult> {
  const { status, body } = await send.json({ model, messages: PROMPT, n: 2, max_tokens: 4, temperature: 1 });
  if (status >= 400) return result('n', 'error', refusal(status, body));
  const count = Array.isArray(body.choices) ? body.choices.length : 0;
  return count === 2 ? result('n', 'honoured', 'n 2: two choices') : result('n', 'ignored', `n 2: ${count} choice${count === 1 ? '' : 's'}`);
}

/**
 * A prompt sized to about 80 % of the reported context: measured first on a
 * short prompt of the same word (tokens per repetition), then sent whole.
 * Refused → the reported length is not honoured; answered with far fewer
 * prompt tokens than sent → silently truncated.
 */
export async function checkContextLength(send: ChatSender, model: string, contextLength: number | null): Promise<FeatureResult> {
  if (contextLength === null || contextLength <= 0) return result('context_length', 'unknown', 'the runtime reports no context length');
  const REPEAT = 20;
  const prompt = (n: number) => [{ role: 'user', content: ' cat'.repeat(n) }];
  const small = await send.json({ model, messages: prompt(REPEAT), max_tokens: 1, temperature: 0 });
  if (small.status >= 400) return result('context_length', 'error', `short prompt refused: ${refusal(small.status, small.body)}`);
  const base = await send.json({ model, messages: prompt(1), max_tokens: 1, temperature: 0 });
  const smallTokens = Number((small.body.usage as Json | undefined)?.prompt_tokens);
  const baseTokens = Number((base.body.usage as Json | undefined)?.prompt_tokens);
  if (!Number.isFinite(smallTokens) || !Number.isFinite(baseTokens) || smallTokens <= baseTokens) return result('context_length', 'unknown', 'the runtime reports no usage.prompt_tokens to size a prompt with');
  const perRepeat = (smallTokens - baseTokens) / (REPEAT - 1);
  const overhead = baseTokens - perRepeat;
  const target = Math.floor(contextLength * 0.8);
  const repeats = Math.max(1, Math.floor((target - overhead) / perRepeat));
  const big = await send.json({ model, messages: prompt(repeats), max_tokens: 1, temperature: 0 });
  const expected = Math.round(overhead + repeats * perRepeat);
  if (big.status >= 400) return result('context_length', 'error', `reported ${contextLength}; a ~${expected}-token prompt was refused: ${refusal(big.status, big.body)}`);
  const got = Number((big.body.usage as Json | undefined)?.prompt_tokens);
  if (Number.isFinite(got) && got < expected * 0.9) return result('context_length', 'ignored', `reported ${contextLength}; a ~${expected}-token prompt was cut to ${got} tokens`);
  return result('context_length', 'honoured', `reported ${contextLength}; a ${Number.isFinite(got) ? got : `~${expected}`}-token prompt was answered`);
}

/** Runs the battery one feature after another (a probe must not crowd the model's slots). */
export async function runBattery(options: BatteryOptions): Promise<FeatureResult[]> {
  const { send, model } = options;
  const checks: Record<ProbeFeature, () => Promise<FeatureResult>> = {
    tools: () => checkTools(send, model),
    json_schema: () => checkJsonSchema(send, model),
    seed: () => checkSeed(send, model),
    stop: () => checkStop(send, model),
    logprobs: () => checkLogprobs(send, model),
    include_usage: () => checkIncludeUsage(send, model),
    n: () => checkN(send, model),
    context_length: () => checkContextLength(send, model, options.contextLength),
  };
  const out: FeatureResult[] = [];
  for (const feature of options.features ?? (Object.keys(checks) as ProbeFeature[])) {
    try {
      out.push(await checks[feature]());
    } catch (err) {
      out.push(result(feature, 'error', `request failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  return out;
}
