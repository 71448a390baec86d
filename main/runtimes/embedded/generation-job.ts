/**
 * What chat and text completions share: reading the length/stop/sampling
 * parameters, refusing a prompt that cannot fit, and running work on a slot
 * (waiting in the bounded queue if all are busy).
 */
import { randomUUID } from 'node:crypto';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { ServerResponse } from 'node:http';
import { contextLengthExceeded, invalidRequest, queueFull, shuttingDown } from './api-errors.js';
import { maxPromptTokens, type GenerationResult } from './generate.js';
import type { ModelHost } from './model-host.js';
import { resolveSampling, type SamplingRequest, type SamplingSettings } from './sampling.js';
import { PoolClosedError, QueueFullError } from './slot-pool.js';
import type { SseStream } from './sse-stream.js';

export interface GenerationParams {
  readonly sampling: SamplingSettings;
  readonly maxTokens: number | undefined;
  readonly stopStrings: readonly string[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export interface GenerationFields extends SamplingRequest {
  readonly max_tokens?: number | null;
  readonly max_completion_tokens?: number | null;
  readonly stop?: string | string[] | null;
  readonly stream?: boolean | null;
  readonly stream_options?: { readonly include_usage?: boolean | null } | null;
}

export function generationParams(body: GenerationFields): GenerationParams {
  const stop = body.stop ?? [];
  return {
    sampling: resolveSampling(body),
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    stopStrings: typeof stop === 'string' ? [stop] : stop,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
  };
}

export function assertPromptFits(host: ModelHost, tokens: readonly Token[], param: string): void {
  if (tokens.length === 0) throw invalidRequest('The prompt is empty after tokenization.', param);
  if (tokens.length > maxPromptTokens(host.contextSize)) {
    throw contextLengthExceeded({ param, promptTokens: tokens.length, contextSize: host.contextSize });
  }
}

/** Token ids given directly by the client must exist in the vocabulary (native code does not check). */
export function assertKnownTokens(host: ModelHost, tokens: readonly number[], param: string): void {
  const size = host.vocabularySize;
  if (size === undefined) throw invalidRequest('Token-id input is not supported for this model (its vocabulary size is unknown).', param);
  const bad = tokens.find((token) => token >= size);
  if (bad !== undefined) throw invalidRequest(`Token id ${bad} is outside the vocabulary (0..${size - 1}).`, param);
}

/**
 * Run `work` on a free slot, preferring the slot that already holds the
 * longest prefix of `prompt`. Queue full -> 429; shutdown -> 503; the client
 * leaving while queued rejects with the signal's reason. If `work` fails the
 * slot's state is cleared before the slot is given back.
 */
export async function runOnSlot<R>(options: {
  readonly host: ModelHost;
  readonly prompt: readonly Token[];
  readonly signal: AbortSignal;
  readonly work: (sequence: LlamaContextSequence) => Promise<R>;
}): Promise<R> {
  const { host, prompt, signal, work } = options;
  let lease;
  try {
    lease = await host.slots.acquire({ signal, choose: chooseSlotByPrefix(prompt) });
  } catch (error) {
    if (error instanceof QueueFullError) throw queueFull(error.queueLimit);
    if (error instanceof PoolClosedError) throw shuttingDown();
    throw error;
  }
  try {
    return await work(lease.slot);
  } catch (error) {
    await lease.slot.clearHistory().catch(() => undefined);
    throw error;
  } finally {
    lease.release();
  }
}

/**
 * Pick the free slot whose evaluated tokens share the longest prefix with the
 * new prompt, so a follow-up chat turn re-evaluates only what is new.
 */
export function chooseSlotByPrefix(prompt: readonly Token[]) {
  return (free: readonly LlamaContextSequence[]): LlamaContextSequence => {
    let best = free[0]!;
    let bestLength = -1;
    for (const sequence of free) {
      const length = sequence.nextTokenIndex === 0 ? 0 : sequence.compareContextTokens([...prompt]).firstDifferentIndex;
      if (length > bestLength) {
        best = sequence;
        bestLength = length;
      }
    }
    return best;
  };
}

export function responseId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomUUID().replaceAll('-', '')}`;
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export function usageOf(counts: Pick<GenerationResult, 'promptTokens' | 'completionTokens'>): Usage {
  return {
    prompt_tokens: counts.promptTokens,
    completion_tokens: counts.completionTokens,
    total_tokens: counts.promptTokens + counts.completionTokens,
  };
}

/**
 * A generation ended by its abort signal. If the client left there is nobody
 * to answer; otherwise the worker is shutting down, and the client learns
 * that: a 503 before any byte was sent, or an error event that ends the stream.
 */
export function abandon(response: ServerResponse, sse?: SseStream): void {
  if (response.destroyed) return;
  if (sse !== undefined) sse.fail(shuttingDown().toBody());
  else throw shuttingDown();
}
