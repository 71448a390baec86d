/**
 * What the Playground's parameters may be (the limits the engine saves
 * conversations and presets with), and what to enter instead. Pure: the
 * fields show the words, and Send waits until there are none.
 */
import type { SamplingParameters } from '../../../main/playground/schema.js';

export type SamplingField = 'temperature' | 'topP' | 'maxTokens' | 'seed';

export const SAMPLING_FIELD_NAMES: Readonly<Record<SamplingField, string>> = { temperature: 'Temperature', topP: 'top_p', maxTokens: 'Max tokens', seed: 'Seed' };

/** Each field whose value cannot be sent, with what to enter; empty when all can. */
export function samplingProblems(p: SamplingParameters): Partial<Record<SamplingField, string>> {
  const problems: Partial<Record<SamplingField, string>> = {};
  const bad = (v: number | undefined) => v !== undefined && !Number.isFinite(v);
  if (bad(p.temperature) || (p.temperature !== undefined && (p.temperature < 0 || p.temperature > 2))) problems.temperature = 'From 0 to 2.';
  if (bad(p.topP) || (p.topP !== undefined && (p.topP <= 0 || p.topP > 1))) problems.topP = 'Above 0, up to 1; empty uses the default.';
  if (bad(p.maxTokens) || (p.maxTokens !== undefined && (!Number.isInteger(p.maxTokens) || p.maxTokens < 1 || p.maxTokens > 1_000_000)))
    problems.maxTokens = 'A whole number, 1 or more; empty uses the default.';
  if (bad(p.seed) || (p.seed !== undefined && !Number.isInteger(p.seed))) problems.seed = 'A whole number; empty is random.';
  return problems;
}

/** One line for beside Send: which parameters to fix first, or null. */
export function samplingBlocker(p: SamplingParameters): string | null {
  const fields = Object.keys(samplingProblems(p)) as SamplingField[];
  if (fields.length === 0) return null;
  return `Fix ${fields.map((f) => SAMPLING_FIELD_NAMES[f]).join(' and ')} under Prompt and parameters, then send.`;
}
