/**
 * POST /v1/completions: raw text completion (BOS + the tokenized prompt, no
 * chat template), streamed and not, in OpenAI's `text_completion` shape.
 *
 * `prompt` may be a string, an array of strings, token ids, or arrays of token
 * ids; an array gives one choice per prompt (index i). The prompts run one
 * after another on a single slot, so a batch never holds several slots or
 * deadlocks against a small pool; usage is summed over them.
 */
import type { Token } from 'node-llama-cpp';
import { toApiError } from './api-errors.js';
import { generate, usageTimings, type GenerationResult } from './generate.js';
import {
  assertKnownTokens,
  abandon,
  assertPromptFits,
  generationParams,
  responseId,
  runOnSlot,
  unixSeconds,
  usageOf,
} from './generation-job.js';
import { sendJson } from './http-io.js';
import type { ModelHost } from './model-host.js';
import { completionSchema, parseRequest, type CompletionRequest } from './request-schemas.js';
import type { RouteContext } from './route-context.js';
import { SseStream } from './sse-stream.js';

export async function handleTextCompletion(context: RouteContext): Promise<void> {
  const { host, response, signal } = context;
  const request = parseRequest(completionSchema, context.body);
  const params = generationParams(request);
  const prompts = promptTokenLists(host, request.prompt);
  for (const tokens of prompts) assertPromptFits(host, tokens, 'prompt');

  const id = responseId('cmpl');
  const created = unixSeconds();
  const model = host.modelId;
  const job = {
    sampling: params.sampling,
    maxTokens: params.maxTokens,
    stopStrings: params.stopStrings,
    stopTokens: new Set<Token>(),
    signal,
    lockstep: host.lockstep,
  };
  const totals = { promptTokens: 0, completionTokens: 0 };
  const count = (result: GenerationResult): void => {
    totals.promptTokens += result.promptTokens;
    totals.completionTokens += result.completionTokens;
  };

  if (!params.stream) {
    const results = await runOnSlot({
      host,
      prompt: prompts[0]!,
      signal,
      work: async (sequence) => {
        const done: GenerationResult[] = [];
        for (const promptTokens of prompts) {
          const result = await generate({ ...job, sequence, promptTokens, collectText: true });
          if (result.aborted) return undefined;
          done.push(result);
        }
        return done;
      },
    });
    if (results === undefined) return abandon(response);
    results.forEach(count);
    sendJson(response, 200, {
      id,
      object: 'text_completion',
      created,
      model,
      choices: results.map((result, index) => ({
        text: result.text,
        index,
        logprobs: null,
        finish_reason: result.finishReason,
      })),
      usage: { ...usageOf(totals), ...usageTimings(results) },
    });
    return;
  }

  await runOnSlot({
    host,
    prompt: prompts[0]!,
    signal,
    work: async (sequence) => {
      const head = `data: {"id":${JSON.stringify(id)},"object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":`;
      const sse = new SseStream(response, host.dispatch);
      try {
        for (const [index, promptTokens] of prompts.entries()) {
          const textHead = `${head}[{"text":`;
          const textTail = `,"index":${index},"logprobs":null,"finish_reason":null}]}\n\n`;
          const result = await generate({
            ...job,
            sequence,
            promptTokens,
            collectText: false,
            onText: (text) => sse.write(textHead + JSON.stringify(text) + textTail),
          });
          if (result.aborted) return abandon(response, sse);
          count(result);
          await sse.write(
            `${head}[{"text":"","index":${index},"logprobs":null,"finish_reason":${JSON.stringify(result.finishReason)}}]}\n\n`,
          );
        }
      } catch (error) {
        sse.fail(toApiError(error).toBody());
        throw error;
      }
      if (params.includeUsage) await sse.write(`${head}[],"usage":${JSON.stringify(usageOf(totals))}}\n\n`);
      sse.done();
    },
  });
}

/** Every prompt as tokens: BOS (when the model wants one) + the text, special-token markup allowed as llama-server does. */
function promptTokenLists(host: ModelHost, prompt: CompletionRequest['prompt']): Token[][] {
  if (typeof prompt === 'string') return [tokenizeText(host, prompt)];
  if (prompt.every((item): item is string => typeof item === 'string')) return prompt.map((text) => tokenizeText(host, text));
  const lists = prompt.every((item): item is number => typeof item === 'number') ? [prompt] : (prompt as number[][]);
  for (const list of lists) assertKnownTokens(host, list, 'prompt');
  return lists.map((list) => list as Token[]);
}

function tokenizeText(host: ModelHost, text: string): Token[] {
  const { model } = host;
  const tokens = model.tokenize(text, true);
  const bos = model.tokens.bos;
  if (bos != null && model.tokens.shouldPrependBosToken && tokens[0] !== bos) return [bos, ...tokens];
  return tokens;
}
