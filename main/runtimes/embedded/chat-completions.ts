/**
 * POST /v1/chat/completions, streamed and not, in OpenAI's shapes.
 *
 * Stream: a first chunk with `delta: {role: "assistant", content: ""}`, one
 * chunk per piece of text, a chunk with an empty delta and the finish_reason,
 * a `choices: []` usage chunk when `stream_options.include_usage`, then
 * `data: [DONE]`. Content chunks are the hot path: their constant JSON around
 * the content is built once per request and only the text is stringified.
 */
import { buildChatPrompt } from './chat-prompt.js';
import { toApiError } from './api-errors.js';
import { generate, type GenerationResult } from './generate.js';
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
import { chatCompletionSchema, parseRequest } from './request-schemas.js';
import type { RouteContext } from './route-context.js';
import { SseStream } from './sse-stream.js';

export async function handleChatCompletion(context: RouteContext): Promise<void> {
  const { host, response, signal } = context;
  const request = parseRequest(chatCompletionSchema, context.body);
  const params = generationParams(request);
  const prompt = buildChatPrompt({ model: host.model, chatWrapper: host.chatWrapper, messages: request.messages });
  assertPromptFits(host, prompt.tokens, 'messages');

  const id = responseId('chatcmpl');
  const created = unixSeconds();
  const model = host.modelId;
  const job = {
    promptTokens: prompt.tokens,
    sampling: params.sampling,
    maxTokens: params.maxTokens,
    stopStrings: [...params.stopStrings, ...prompt.stopStrings],
    stopTokens: prompt.stopTokens,
    signal,
    lockstep: host.lockstep,
  };

  if (!params.stream) {
    const result = await runOnSlot({
      host,
      prompt: prompt.tokens,
      signal,
      work: (sequence) => generate({ ...job, sequence, collectText: true }),
    });
    if (result.aborted) return abandon(response);
    sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: result.finishReason },
      ],
      usage: usageOf(result),
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
      await sse.write(chunks.role);
      let result: GenerationResult;
      try {
        result = await generate({
          ...job,
          sequence,
          collectText: false,
          onText: (text) => sse.write(chunks.content(text)),
        });
      } catch (error) {
        sse.fail(toApiError(error).toBody());
        throw error;
      }
      if (result.aborted) return abandon(response, sse);
      await finishStream(sse, chunks, result, params);
    },
  });
}

async function finishStream(
  sse: SseStream,
  chunks: ChatChunkFormat,
  result: GenerationResult,
  params: GenerationParams,
): Promise<void> {
  await sse.write(chunks.finish(result.finishReason));
  if (params.includeUsage) await sse.write(chunks.usage(result));
  sse.done();
}

interface ChatChunkFormat {
  readonly role: string;
  content(text: string): string;
  finish(reason: string): string;
  usage(result: GenerationResult): string;
}

function chatChunkFormat(meta: { id: string; created: number; model: string }): ChatChunkFormat {
  const head = `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":`;
  const contentHead = `${head}[{"index":0,"delta":{"content":`;
  const contentTail = '},"logprobs":null,"finish_reason":null}]}\n\n';
  return {
    role: `${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`,
    content: (text) => contentHead + JSON.stringify(text) + contentTail,
    finish: (reason) => `${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}]}\n\n`,
    usage: (result) => `${head}[],"usage":${JSON.stringify(usageOf(result))}}\n\n`,
  };
}
