/**
 * The generation loop: drive LlamaContextSequence.evaluate() directly (no
 * LlamaChatSession/LlamaCompletion layers), turn tokens into text, watch for
 * stop strings and limits, and hand each piece of text to the caller as soon
 * as it is known.
 *
 * The sequence is reused between requests: whatever prefix of the new prompt
 * is already evaluated in it is kept (a follow-up chat turn, or the same
 * prompt again), the rest of its state is erased.
 *
 * Limits: a sequence holds `contextSize` tokens and node-llama-cpp needs one
 * free cell to evaluate, so with P prompt tokens at most `contextSize - P`
 * tokens can be generated without a context shift; reaching that is
 * finish_reason "length", like max_tokens. An EOG token (evaluate() ends) or a
 * stop string/token is "stop".
 */
import type { LlamaContextSequence, LlamaGrammarEvaluationState, SequenceEvaluateOptions, Token } from 'node-llama-cpp';
import type { DecodeLockstep } from './decode-lockstep.js';
import { IncrementalDetokenizer } from './incremental-detokenizer.js';
import type { LogprobCollector } from './logprobs.js';
import { PENALTY_WINDOW, toEvaluateOptions, type SamplingSettings } from './sampling.js';
import { StopStringDetector } from './stop-strings.js';

export type FinishReason = 'stop' | 'length';

export interface GenerationRequest {
  readonly sequence: LlamaContextSequence;
  readonly promptTokens: readonly Token[];
  readonly sampling: SamplingSettings;
  /** Upper bound on generated tokens; undefined = until EOG or the context is full. */
  readonly maxTokens: number | undefined;
  /** Text that ends generation and is not included in the output. */
  readonly stopStrings: readonly string[];
  /** Tokens that end generation besides the model's EOG tokens (e.g. a chat template's end-of-turn marker). */
  readonly stopTokens: ReadonlySet<Token>;
  /** Aborts at the next token (client disconnected, shutdown). */
  readonly signal: AbortSignal;
  /**
   * Receives text as soon as it is final. May return a promise (backpressure);
   * it is awaited only then, so the fast path stays synchronous.
   */
  readonly onText?: (text: string) => void | Promise<void>;
  /** Also collect the whole text in the result (non-streamed responses). */
  readonly collectText: boolean;
  /**
   * Keeps this generation in step with the others on the same context, so one
   * decode batch carries all their tokens (decode-lockstep.ts). Optional: a
   * generation without it decodes whenever its token is ready.
   */
  readonly lockstep?: DecodeLockstep<LlamaContextSequence>;
  /** Constrains the output (JSON schema, tool call); once the grammar is complete only end-of-generation is allowed. */
  readonly grammar?: LlamaGrammarEvaluationState;
  /** Records each generated token's log-probability (and the top alternatives) when the client asked for logprobs. */
  readonly logprobs?: LogprobCollector;
}

export interface GenerationResult {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** True when the signal ended generation (nothing more should be sent). */
  readonly aborted: boolean;
  /** The stop string that ended generation, if one did (reported as `stop_reason`, as vLLM does). */
  readonly matchedStop?: string;
  /** Seconds from the start to the first generated token (prompt processing), and from it to the end (decoding). */
  readonly promptSeconds: number;
  readonly completionSeconds: number;
}

/**
 * Timing fields for a non-streamed response's `usage`, named as Groq's
 * OpenAI-compatible API names them (seconds): the gateway's metrics take the
 * decode rate from them when no stream showed it.
 */
export function usageTimings(results: readonly Pick<GenerationResult, 'promptSeconds' | 'completionSeconds'>[]): {
  prompt_time: number;
  completion_time: number;
} {
  const sum = (pick: (result: Pick<GenerationResult, 'promptSeconds' | 'completionSeconds'>) => number) =>
    Math.round(results.reduce((total, result) => total + pick(result), 0) * 1e6) / 1e6;
  return { prompt_time: sum((result) => result.promptSeconds), completion_time: sum((result) => result.completionSeconds) };
}

/** Largest number of tokens a prompt may have so that at least one token can be generated. */
export function maxPromptTokens(contextSize: number): number {
  return contextSize - 1;
}

export async function generate(request: GenerationRequest): Promise<GenerationResult> {
  const { sequence, promptTokens, signal, stopTokens, onText } = request;
  const model = sequence.model;
  const contextLimit = sequence.contextSize - promptTokens.length;
  const limit = Math.min(request.maxTokens ?? Number.POSITIVE_INFINITY, contextLimit);
  if (limit < 1) throw new Error(`the prompt (${promptTokens.length} tokens) leaves no room in the context (${sequence.contextSize})`);

  const toEvaluate = await reuseCachedPrefix(sequence, promptTokens);

  const detokenizer = new IncrementalDetokenizer({
    detokenize: (tokens, lastTokens) => model.detokenize(tokens, false, lastTokens),
    precedingTokens: promptTokens,
  });
  const stops = new StopStringDetector(request.stopStrings);
  const history = promptTokens.slice(-PENALTY_WINDOW);
  const evaluateOptions: SequenceEvaluateOptions = {
    ...toEvaluateOptions(request.sampling, () => history.slice(-PENALTY_WINDOW)),
    ...(request.grammar !== undefined ? { grammarEvaluationState: request.grammar } : {}),
  };
  const logprobs = request.logprobs;
  const pieces: string[] = [];
  // Returns a promise only when the consumer applies backpressure, so the usual path adds no await.
  const emit = (text: string): void | Promise<void> => {
    if (text === '') return;
    if (request.collectText) pieces.push(text);
    return onText?.(text);
  };

  const startedAt = performance.now();
  let firstTokenAt: number | undefined;
  let generated = 0;
  let matchedStop: string | undefined;
  // Why the loop ended; 'eog' covers evaluate() finishing on its own (an end-of-generation token).
  let ending: 'eog' | 'stop-token' | 'stop-string' | 'length' | 'aborted' = signal.aborted ? 'aborted' : 'eog';
  // In step with the other generations from the first generated token on (not during the prompt).
  const lockstep = request.lockstep;
  let inStep = false;
  const stepAside = (): void => {
    if (inStep) lockstep?.leave(sequence);
    inStep = false;
  };

  try {
    if (ending !== 'aborted') {
      for await (const token of evaluateTokens(sequence, toEvaluate, evaluateOptions, logprobs)) {
        if (signal.aborted) {
          ending = 'aborted';
          break;
        }
        if (stopTokens.has(token)) {
          ending = 'stop-token';
          break;
        }
        generated++;
        firstTokenAt ??= performance.now();
        logprobs?.accept(token);
        history.push(token);
        if (history.length > 2 * PENALTY_WINDOW) history.splice(0, history.length - PENALTY_WINDOW);

        const scan = stops.push(detokenizer.push(token));
        const pending = emit(scan.text);
        if (pending !== undefined) {
          // A slow client: the others must not wait for it.
          stepAside();
          await pending;
        }
        if (scan.stopped) {
          ending = 'stop-string';
          matchedStop = scan.matched;
          break;
        }
        if (generated >= limit) {
          ending = 'length';
          break;
        }
        if (lockstep !== undefined) {
          if (!inStep) lockstep.join(sequence);
          inStep = true;
          const released = lockstep.arrive(sequence);
          if (released !== undefined) await released;
        }
        if (signal.aborted) {
          ending = 'aborted';
          break;
        }
      }
    }
  } finally {
    stepAside();
  }

  if (ending !== 'aborted' && ending !== 'stop-string') {
    // Release what was held back: an incomplete character, or a tail that might have begun a stop string.
    const scan = stops.push(detokenizer.flush());
    await emit(scan.stopped ? scan.text : scan.text + stops.flush());
    if (scan.stopped) {
      ending = 'stop-string';
      matchedStop = scan.matched;
    }
  }

  const endedAt = performance.now();
  return {
    promptSeconds: ((firstTokenAt ?? endedAt) - startedAt) / 1000,
    completionSeconds: (endedAt - (firstTokenAt ?? endedAt)) / 1000,
    text: pieces.join(''),
    finishReason: ending === 'length' ? 'length' : 'stop',
    promptTokens: promptTokens.length,
    completionTokens: generated,
    aborted: ending === 'aborted',
    ...(matchedStop !== undefined ? { matchedStop } : {}),
  };
}

/**
 * The sequence's tokens; with a logprob collector, through
 * evaluateWithMetadata so each token comes with the probabilities it was
 * drawn from (after the request's sampling settings).
 */
function evaluateTokens(
  sequence: LlamaContextSequence,
  tokens: Token[],
  options: SequenceEvaluateOptions,
  logprobs: LogprobCollector | undefined,
): AsyncIterable<Token> {
  if (logprobs === undefined) return sequence.evaluate(tokens, options);
  return (async function* withProbabilities() {
    for await (const output of sequence.evaluateWithMetadata(tokens, { probabilities: true }, options)) {
      logprobs.offer(output.token, output.probabilities);
      yield output.token;
    }
  })();
}

/**
 * Keep the part of the sequence's state that matches the prompt and erase the
 * rest. Returns the tokens still to evaluate (never empty: the last prompt
 * token is always evaluated so there are logits to sample from).
 */
async function reuseCachedPrefix(sequence: LlamaContextSequence, prompt: readonly Token[]): Promise<Token[]> {
  let keep = 0;
  if (sequence.nextTokenIndex > 0) {
    keep = Math.min(sequence.compareContextTokens([...prompt]).firstDifferentIndex, prompt.length - 1);
    if (keep < sequence.nextTokenIndex) {
      await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
    }
  }
  return prompt.slice(keep);
}
