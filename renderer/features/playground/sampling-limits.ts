/**
 * What the Playground's parameters may be (the limits the engine saves
 * conversations and presets with), and what to enter instead. Pure: the
 * fields show the words, and every control that sends (Send, Regenerate,
 * Send edited) waits until there are none, saying why.
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

/** What a blocked control would have done: the words end its reason ("…, then regenerate."). */
export type SamplingAction = 'send' | 'regenerate' | 'resend';

const THEN: Readonly<Record<SamplingAction, string>> = { send: 'then send', regenerate: 'then regenerate', resend: 'then send the edit' };

/** The parameters to fix before anything can be sent ("Temperature and Max tokens"), or null when all can be. */
export function samplingFieldsToFix(p: SamplingParameters): string | null {
  const fields = Object.keys(samplingProblems(p)) as SamplingField[];
  if (fields.length === 0) return null;
  return fields.map((f) => SAMPLING_FIELD_NAMES[f]).join(' and ');
}

/** Why a control that sends is off, from `samplingFieldsToFix`. */
export function blockedReason(fields: string, action: SamplingAction): string {
  return `Fix ${fields} under Prompt and parameters, ${THEN[action]}.`;
}

/** One line for beside a control that sends (Send, Regenerate, Send edited): which parameters to fix first, or null. */
export function samplingBlocker(p: SamplingParameters, action: SamplingAction = 'send'): string | null {
  const fields = samplingFieldsToFix(p);
  return fields === null ? null : blockedReason(fields, action);
}
