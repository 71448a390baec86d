/**
 * POST /v1/chat/completions, streamed and not, in OpenAI's shapes.
 *
 * Stream: a first chunk with `delta: {role: "assistant", content: ""}`, one
 * chunk per piece of text, a chunk with an empty delta and the finish_reason,
 * a `choices: []` usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`. Content chunks are the hot path: their constant JSON around
 * the content is built once per request and only the text is stringified.
 *
 * Tools and response_format constrain the output with a grammar
 * (output-grammar.ts, tool-calls.ts). A tool call streams as OpenAI's does:
 * a first tool_calls delta with id, type and name, then argument deltas, and
 * finish_reason "tool_calls".
 */
import type { LlamaModel, Token } from 'node-llama-cpp';
import { buildChatPrompt, type ChatPrompt } from './chat-prompt.js';
import { toApiError } from './api-errors.js';
import { generate, usageTimings, type GenerationResult } from './generate.js';
import {
  assertPromptFits,
  generationParams,
  responseId,
  abandon,
  runOnSlot,
  unixSeconds,
  usageOf,
  type GenerationParams,
} from './generation-job.js';
import { sendJson } from './http-io.js';
import { grammarSchemaOrBadRequest } from './json-schema-grammar.js';
import { LogprobCollector, type TokenLogprob } from './logprobs.js';
import { OutputGrammars, type OutputConstraint } from './output-grammar.js';
import { chatCompletionSchema, parseRequest, type ChatCompletionRequest } from './request-schemas.js';
import type { ModelHost } from './model-host.js';
import type { RouteContext } from './route-context.js';
import { SseStream } from './sse-stream.js';
import { parseToolCall, planTools, toolCallId, ToolCallStreamer, type ToolPlan } from './tool-calls.js';

const grammarsByModel = new WeakMap<LlamaModel, OutputGrammars>();

function grammarsFor(model: LlamaModel): OutputGrammars {
  let grammars = grammarsByModel.get(model);
  if (grammars === undefined) {
    grammars = new OutputGrammars(model.llama);
    grammarsByModel.set(model, grammars);
  }
  return grammars;
}

/** How a chat request uses its tools (none, a call, a call or text) and what the model is told about them. */
export function toolPlanOf(request: ChatCompletionRequest): ToolPlan {
  return planTools(
    (request.tools ?? []).map((tool) => tool.function),
    request.tool_choice == null ? undefined : typeof request.tool_choice === 'string' ? request.tool_choice : { name: request.tool_choice.function.name },
  );
}

/**
 * The prompt tokens a chat request becomes (the model's chat wrapper, with the tools' instructions): what a
 * completion decodes from, and what POST /tokenize counts (tokenize.ts).
 */
export function chatPromptOf(host: ModelHost, request: ChatCompletionRequest, tools: ToolPlan): ChatPrompt {
  return buildChatPrompt({
    model: host.model,
    chatWrapper: host.chatWrapper,
    messages: request.messages,
    toolInstructions: tools.instructions,
  });
}

export async function handleChatCompletion(context: RouteContext): Promise<void> {
  const { host, response, signal } = context;
  const request = parseRequest(chatCompletionSchema, context.body);
  const params = generationParams(request);
  const tools = toolPlanOf(request);
  const constraint = outputConstraint(request, tools);
  const prompt = chatPromptOf(host, request, tools);
  assertPromptFits(host, prompt.tokens, 'messages');
  const grammar = constraint === undefined ? undefined : await grammarsFor(host.model).grammarFor(constraint);

  const id = responseId('chatcmpl');
  const created = unixSeconds();
  const model = host.modelId;
  const newLogprobs = (): LogprobCollector | undefined =>
    request.logprobs === true
      ? new LogprobCollector({ top: request.top_logprobs ?? 0, tokenText: (token: Token, previous: Token | undefined) => tokenText(host.model, token, previous) })
      : undefined;
  const job = {
    promptTokens: prompt.tokens,
    sampling: params.sampling,
    maxTokens: params.maxTokens,
    stopStrings: [...params.stopStrings, ...prompt.stopStrings],
    stopTokens: prompt.stopTokens,
    signal,
    lockstep: host.lockstep,
  };
  const grammarState = () => (grammar === undefined ? {} : { grammar: OutputGrammars.stateFor(host.model, grammar) });

  if (!params.stream) {
    const logprobs = newLogprobs();
    const result = await runOnSlot({
      host,
      prompt: prompt.tokens,
      signal,
      work: (sequence) => generate({ ...job, ...grammarState(), sequence, collectText: true, ...(logprobs ? { logprobs } : {}) }),
    });
    if (result.aborted) return abandon(response);
    const call = tools.mode === 'text' ? undefined : parseToolCall(result.text);
    const message =
      call === undefined
        ? { role: 'assistant', content: result.text }
        : { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] };
    sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message,
          logprobs: logprobs === undefined ? null : { content: logprobs.all(), refusal: null },
          finish_reason: call === undefined ? result.finishReason : 'tool_calls',
          ...(call === undefined && result.matchedStop !== undefined ? { stop_reason: result.matchedStop } : {}),
        },
      ],
      usage: { ...usageOf(result), ...usageTimings([result]) },
    });
    return;
  }

  await runOnSlot({
    host,
    prompt: prompt.tokens,
    signal,
    work: async (sequence) => {
      const chunks = chatChunkFormat({ id, created, model });
      const sse = new SseStream(response, host.dispatch);
      const logprobs = newLogprobs();
      const output = tools.mode === 'text' ? new TextOutput(sse, chunks, logprobs) : new ToolOutput(sse, chunks, logprobs);
      await sse.write(chunks.role);
      let result: GenerationResult;
      try {
        result = await generate({
          ...job,
          ...grammarState(),
          sequence,
          collectText: false,
          ...(logprobs ? { logprobs } : {}),
          onText: (text) => output.text(text),
        });
      } catch (error) {
        sse.fail(toApiError(error).toBody());
        throw error;
      }
      if (result.aborted) return abandon(response, sse);
      await output.end();
      await finishStream(sse, chunks, result, params, output.finishReason(result));
    },
  });
}

/** One token's text as it reads after `previous` (a SentencePiece word-start token carries its space only in context). */
function tokenText(model: LlamaModel, token: Token, previous: Token | undefined): string {
  if (previous === undefined) return model.detokenize([token], false);
  return model.detokenize([previous, token], false).slice(model.detokenize([previous], false).length);
}

/** The grammar for this request, if its output is constrained: a tool call, or response_format JSON. */
function outputConstraint(request: ChatCompletionRequest, tools: ToolPlan): OutputConstraint | undefined {
  if (tools.mode === 'call') return { kind: 'json', schema: tools.callSchema! };
  if (tools.mode === 'call-or-text') return { kind: 'json-or-text', schema: tools.callSchema! };
  const format = request.response_format;
  if (format?.type === 'json_object') return { kind: 'json', schema: { type: 'object', additionalProperties: true } };
  if (format?.type === 'json_schema') {
    const schema = format.json_schema.schema ?? { type: 'object', additionalProperties: true };
    return {
      kind: 'json',
      schema: grammarSchemaOrBadRequest(schema, 'response_format.json_schema.schema', { strict: format.json_schema.strict === true }),
    };
  }
  return undefined;
}

interface StreamOutput {
  text(text: string): void | Promise<void>;
  end(): Promise<void>;
  finishReason(result: GenerationResult): string;
}

/** Plain content deltas (the hot path when no logprobs are asked for). */
class TextOutput implements StreamOutput {
  constructor(
    private readonly sse: SseStream,
    private readonly chunks: ChatChunkFormat,
    private readonly logprobs: LogprobCollector | undefined,
  ) {}

  text(text: string): void | Promise<void> {
    if (this.logprobs === undefined) return this.sse.write(this.chunks.content(text));
    return this.sse.write(this.chunks.delta({ content: text }, this.logprobs.takeNew()));
  }

  async end(): Promise<void> {
    const rest = this.logprobs?.takeNew() ?? [];
    if (rest.length > 0) await this.sse.write(this.chunks.delta({ content: '' }, rest));
  }

  finishReason(result: GenerationResult): string {
    return result.finishReason;
  }
}

/**
 * Output that may be a tool call: held until its first character says
 * whether it is a call (`{`) or text, then streamed as tool_calls deltas or
 * as content.
 */
class ToolOutput implements StreamOutput {
  private readonly streamer = new ToolCallStreamer();
  private held = '';
  private mode: 'undecided' | 'text' | 'call' = 'undecided';
  private readonly callId = toolCallId();

  constructor(
    private readonly sse: SseStream,
    private readonly chunks: ChatChunkFormat,
    private readonly logprobs: LogprobCollector | undefined,
  ) {}

  text(text: string): void | Promise<void> {
    const step = this.streamer.push(text);
    if (this.mode === 'undecided') {
      this.held += text;
      if (this.streamer.isText) {
        this.mode = 'text';
        const all = this.held;
        this.held = '';
        return this.sse.write(this.chunks.delta({ content: all }, this.logprobs?.takeNew()));
      }
      if (step.name === undefined) return;
      this.mode = 'call';
      this.held = '';
    } else if (this.mode === 'text') {
      return this.sse.write(this.chunks.delta({ content: text }, this.logprobs?.takeNew()));
    }
    const writes: (void | Promise<void>)[] = [];
    if (step.name !== undefined) {
      writes.push(
        this.sse.write(
          this.chunks.delta({ tool_calls: [{ index: 0, id: this.callId, type: 'function', function: { name: step.name, arguments: '' } }] }, this.logprobs?.takeNew()),
        ),
      );
    }
    if (step.argumentsDelta !== '') {
      writes.push(this.sse.write(this.chunks.delta({ tool_calls: [{ index: 0, function: { arguments: step.argumentsDelta } }] }, this.logprobs?.takeNew())));
    }
    const pending = writes.filter((write): write is Promise<void> => write !== undefined);
    if (pending.length > 0) return Promise.all(pending).then(() => undefined);
  }

  async end(): Promise<void> {
    // Text that never showed its kind (e.g. cut by max_tokens before a name): send it as content.
    if (this.mode === 'undecided' && this.held !== '') await this.sse.write(this.chunks.delta({ content: this.held }, this.logprobs?.takeNew()));
  }

  finishReason(result: GenerationResult): string {
    return this.mode === 'call' && result.finishReason === 'stop' ? 'tool_calls' : result.finishReason;
  }
}

async function finishStream(
  sse: SseStream,
  chunks: ChatChunkFormat,
  result: GenerationResult,
  params: GenerationParams,
  finishReason: string,
): Promise<void> {
  await sse.write(chunks.finish(finishReason, result.matchedStop));
  if (params.includeUsage) await sse.write(chunks.usage(result));
  sse.done();
}

interface ChatChunkFormat {
  readonly role: string;
  content(text: string): string;
  delta(delta: Record<string, unknown>, logprobs?: TokenLogprob[]): string;
  finish(reason: string, matchedStop?: string): string;
  usage(result: GenerationResult): string;
}

function chatChunkFormat(meta: { id: string; created: number; model: string }): ChatChunkFormat {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":`;
  const contentHead = `${head}[{"index":0,"delta":{"content":`;
  const contentTail = '},"logprobs":null,"finish_reason":null}]}\n\n';
  return {
    role: `${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    content: (text) => contentHead + JSON.stringify(text) + contentTail,
    delta: (delta, logprobs) =>
      `${head}${JSON.stringify([{ index: 0, delta, logprobs: logprobs === undefined ? null : { content: logprobs, refusal: null }, finish_reason: null }])}}\n\n`,
    finish: (reason, matchedStop) =>
      `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}${matchedStop !== undefined ? `,"stop_reason":${JSON.stringify(matchedStop)}` : ''}}]}\n\n`,
    usage: (result) => `${head}[],"usage":${JSON.stringify(usageOf(result))}}\n\n`,
  };
}
