/**
 * Owns everything node-llama-cpp gives the worker: the Llama instance, the one
 * model, one context whose `sequences` are the generation slots, the chat
 * wrapper, and (created on first use) an embedding context.
 *
 * In node-llama-cpp 3.21.1 `contextSize` is per sequence: LlamaContext asks
 * llama.cpp for `contextSize * sequences` cells ("each sequence needs its own
 * <contextSize> of cells"), so passing `--ctx` as contextSize gives each slot
 * `--ctx` tokens. Concurrent requests decode as parallel sequences of that one
 * context, which node-llama-cpp batches into shared llama_decode calls; the
 * lockstep (decode-lockstep.ts) keeps them in step so that each batch holds
 * one token of every generating sequence, in sequence-id order.
 */
import {
  getLlama,
  LlamaLogLevel,
  LlamaLogLevelGreaterThanOrEqual,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
} from 'node-llama-cpp';
import { DecodeDispatch } from './decode-dispatch.js';
import { DecodeLockstep } from './decode-lockstep.js';
import { attentionShapeOf, chooseFlashAttention } from './flash-attention.js';
import { SlotPool } from './slot-pool.js';
import type { WorkerOptions } from './worker-args.js';

const DEFAULT_CONTEXT_SIZE = 2048;

export interface ModelHost {
  readonly modelId: string;
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  readonly chatWrapper: ChatWrapper;
  /** Tokens each slot (sequence) can hold. */
  readonly contextSize: number;
  /** Number of tokens in the vocabulary, when the GGUF says (bounds token-id inputs). */
  readonly vocabularySize: number | undefined;
  readonly slots: SlotPool<LlamaContextSequence>;
  /** Keeps concurrent generations in step so one decode batch carries all their tokens. */
  readonly lockstep: DecodeLockstep<LlamaContextSequence>;
  /** The context's decode dispatch schedule; streams write right after each dispatch. */
  readonly dispatch: DecodeDispatch;
  /** The embedding context, created on first call and reused. */
  embeddingContext(): Promise<LlamaEmbeddingContext>;
  dispose(): Promise<void>;
}

export interface LoadModelHostOptions {
  readonly worker: WorkerOptions;
  /** Aborts loading (shutdown while loading). */
  readonly signal?: AbortSignal;
  /** Where llama.cpp's warnings and errors go. */
  readonly log: (line: string) => void;
  /**
   * A Llama prepared earlier by prepareLlama() with the same threads (a spare
   * worker's): the model loads into it instead of a new one.
   */
  readonly llama?: Llama;
}

/**
 * The Llama instance (node-llama-cpp's binding, CPU backend, `threads`): the slow part of a start
 * (~0.65 s, most of it node-llama-cpp test-loading its binary in a child process), no model yet.
 */
export function prepareLlama(options: { readonly threads: number; readonly log: (line: string) => void }): Promise<Llama> {
  const { log } = options;
  return getLlama({
    gpu: false,
    build: 'never',
    maxThreads: options.threads,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => {
      if (LlamaLogLevelGreaterThanOrEqual(level, LlamaLogLevel.warn)) log(`llama.cpp ${level}: ${message.trimEnd()}`);
    },
  });
}

export async function loadModelHost(options: LoadModelHostOptions): Promise<ModelHost> {
  const { worker, signal, log } = options;
  const llama = options.llama ?? (await prepareLlama({ threads: worker.threads, log }));
  try {
    const model = await llama.loadModel({ modelPath: worker.modelPath, loadSignal: signal });
    const contextSize = worker.ctx ?? Math.min(DEFAULT_CONTEXT_SIZE, model.trainContextSize);
    const attention = chooseFlashAttention(attentionShapeOf(model));
    log(attention.reason);
    const dispatch = new DecodeDispatch({ onTaskError: (error) => log(`a stream write failed: ${String(error)}`) });
    const context = await model.createContext({
      sequences: worker.parallel,
      contextSize,
      threads: worker.threads,
      flashAttention: attention.flashAttention,
      batching: { dispatchSchedule: dispatch.schedule },
      createSignal: signal,
      failedCreationRemedy: false,
      ...(worker.batch !== undefined ? { batchSize: worker.batch } : {}),
    });
    // Taken in order, so sequences[i] has sequence id i: the lockstep's slot order is the id order llama.cpp needs.
    const sequences = Array.from({ length: worker.parallel }, () => context.getSequence());
    return createHost({ llama, model, context, sequences, dispatch, worker });
  } catch (error) {
    await llama.dispose().catch(() => undefined);
    throw error;
  }
}

function createHost(parts: {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequences: readonly LlamaContextSequence[];
  dispatch: DecodeDispatch;
  worker: WorkerOptions;
}): ModelHost {
  const { llama, model, context, sequences, dispatch, worker } = parts;
  let embedding: Promise<LlamaEmbeddingContext> | undefined;
  const tokenCount = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;

  return {
    modelId: worker.modelId,
    model,
    context,
    chatWrapper: resolveChatWrapper(model),
    contextSize: sequences[0]?.contextSize ?? context.contextSize,
    vocabularySize: typeof tokenCount === 'number' ? tokenCount : undefined,
    slots: new SlotPool({ slots: sequences, maxQueue: worker.queue }),
    lockstep: new DecodeLockstep(sequences),
    dispatch,
    embeddingContext() {
      embedding ??= model.createEmbeddingContext({
        contextSize: context.contextSize,
        batchSize: context.contextSize,
        threads: worker.threads,
      });
      // A failed creation is not cached, so a later request may try again.
      embedding.catch(() => {
        embedding = undefined;
      });
      return embedding;
    },
    async dispose() {
      await llama.dispose();
    },
  };
}
