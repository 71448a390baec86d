/**
 * Routing by feature: which probed features a request needs, and what the
 * newest probe says of a model for one of them. Pure: the router asks these
 * and skips a target known not to honour what the request uses.
 */
import type { FeatureVerdict, ProbeFeature } from './types.js';

/** The features a chat request relies on: `tools`, `json_schema` (response_format), `logprobs`. */
export function requiredFeatures(body: Readonly<Record<string, unknown>>): ProbeFeature[] {
  const out: ProbeFeature[] = [];
  if (Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none') out.push('tools');
  const format = body.response_format as { type?: unknown } | undefined;
  if (format !== null && typeof format === 'object' && format.type === 'json_schema') out.push('json_schema');
  if (body.logprobs === true) out.push('logprobs');
  return out;
}

export interface FeatureDecision {
  /** false only when a probe showed the model ignores or refuses the feature; unprobed models are not skipped. */
  readonly usable: boolean;
  readonly verdict: FeatureVerdict | 'unprobed';
  readonly reason: string;
}

/** What the probe says of `model` for `feature`, given the model's verdicts (null: never probed on this runtime version). */
export function featureVerdict(model: string, feature: ProbeFeature, verdicts: Readonly<Partial<Record<ProbeFeature, FeatureVerdict>>> | null): FeatureDecision {
  const verdict = verdicts?.[feature];
  if (verdict === undefined) return { usable: true, verdict: 'unprobed', reason: `${model}: ${feature} not probed` };
  if (verdict === 'ignored' || verdict === 'error') {
    return { usable: false, verdict, reason: `${model} does not honour ${feature} (probe: ${verdict === 'ignored' ? 'ignored' : 'refused'})` };
  }
  return { usable: true, verdict, reason: `${model}: ${feature} ${verdict}` };
}

/** The first required feature the model is known not to honour, or null when none. */
export function firstUnhonoured(model: string, required: readonly ProbeFeature[], verdicts: Readonly<Partial<Record<ProbeFeature, FeatureVerdict>>> | null): FeatureDecision | null {
  for (const feature of required) {
    const decision = featureVerdict(model, feature, verdicts);
    if (!decision.usable) return decision;
  }
  return null;
}
