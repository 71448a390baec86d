/**
 * The feature probe's shapes: "compatible is not identical", measured. A
 * short battery of requests goes through the gateway to one model and each
 * OpenAI feature gets a verdict with the evidence that decided it.
 */

export const PROBE_FEATURES = ['tools', 'json_schema', 'seed', 'stop', 'logprobs', 'include_usage', 'n', 'context_length'] as const;
export type ProbeFeature = (typeof PROBE_FEATURES)[number];

/**
 * `honoured`: the feature did what it says; `ignored`: the request was
 * answered but the feature had no effect; `error`: the request was refused
 * or failed; `unknown`: the battery could not tell (e.g. no context length
 * is reported, or the model wrote too little to test `stop` on).
 */
export type FeatureVerdict = 'honoured' | 'ignored' | 'error' | 'unknown';

export interface FeatureResult {
  readonly feature: ProbeFeature;
  readonly verdict: FeatureVerdict;
  /** Short and human-readable: what came back that decided the verdict. */
  readonly evidence: string;
}

/** One probe of one model on one runtime version. */
export interface ProbeReport {
  readonly model: string;
  /** Runtime kind, e.g. `embedded`, `ollama`. */
  readonly runtime: string;
  /** What was behind the model when probed, e.g. `embedded (homeport 0.4.0)`, `ollama 0.5.7`. */
  readonly runtimeVersion: string;
  /** Unix ms when the probe finished. */
  readonly at: number;
  readonly durationMs: number;
  readonly features: readonly FeatureResult[];
}

/** What the model list shows: each feature's verdict, from the newest probe for the runtime version serving now. */
export interface ModelFeatures {
  readonly probedAt: string;
  readonly runtimeVersion: string;
  readonly verdicts: Readonly<Partial<Record<ProbeFeature, FeatureVerdict>>>;
}
