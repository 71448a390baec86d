import type { Usage } from '../metrics/types.js';

export interface Price {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** US dollars for the tokens of one answer at `price`; 0 when either is unknown. */
export function costOf(usage: Usage | undefined, price: Price | undefined): number {
  if (!usage || !price) return 0;
  const cost = ((usage.prompt_tokens ?? 0) * price.inputPerMTok + (usage.completion_tokens ?? 0) * price.outputPerMTok) / 1_000_000;
  return Math.round(cost * 1e9) / 1e9;
}
