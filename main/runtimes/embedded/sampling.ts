/**
 * OpenAI sampling parameters -> node-llama-cpp evaluate options.
 *
 * Defaults follow OpenAI where it has one (temperature 1, top_p 1) and
 * llama.cpp otherwise (top_k 40). temperature 0 is greedy decoding. Without a
 * `seed` each request draws a random one (node-llama-cpp would otherwise seed
 * from the current second, making concurrent requests identical).
 * presence/frequency penalties apply to the last PENALTY_WINDOW tokens of the
 * sequence, like llama.cpp's `penalty_last_n`.
 */
import { randomInt } from 'node:crypto';
import type { SequenceEvaluateOptions, Token } from 'node-llama-cpp';

export const PENALTY_WINDOW = 64;

export interface SamplingRequest {
  readonly temperature?: number | null;
  readonly top_p?: number | null;
  readonly top_k?: number | null;
  readonly min_p?: number | null;
  readonly seed?: number | null;
  readonly presence_penalty?: number | null;
  readonly frequency_penalty?: number | null;
}

export interface SamplingSettings {
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly minP: number;
  /** An unsigned 32-bit seed. */
  readonly seed: number;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
}

export function resolveSampling(request: SamplingRequest, randomSeed: () => number = defaultRandomSeed): SamplingSettings {
  return {
    temperature: request.temperature ?? 1,
    topP: request.top_p ?? 1,
    topK: request.top_k ?? 40,
    minP: request.min_p ?? 0,
    seed: request.seed == null ? randomSeed() : toUint32(request.seed),
    presencePenalty: request.presence_penalty ?? 0,
    frequencyPenalty: request.frequency_penalty ?? 0,
  };
}

/**
 * Evaluate options for one generation. `recentTokens` returns the tokens the
 * penalties look at; it is called once per generated token, and only when a
 * penalty is set.
 */
export function toEvaluateOptions(settings: SamplingSettings, recentTokens: () => Token[]): SequenceEvaluateOptions {
  const penalized = settings.presencePenalty !== 0 || settings.frequencyPenalty !== 0;
  return {
    temperature: settings.temperature,
    topP: settings.topP,
    topK: settings.topK,
    minP: settings.minP,
    seed: settings.seed,
    ...(penalized
      ? {
          repeatPenalty: {
            punishTokens: recentTokens,
            maxPunishTokens: PENALTY_WINDOW,
            penalty: 1,
            presencePenalty: settings.presencePenalty,
            frequencyPenalty: settings.frequencyPenalty,
          },
        }
      : {}),
  };
}

function toUint32(seed: number): number {
  return ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
}

function defaultRandomSeed(): number {
  return randomInt(0, 2 ** 32 - 1);
}
