/**
 * Whether an embedded model start may adopt the spare worker (pure).
 *
 * A spare has done Node's start, node-llama-cpp's import and getLlama with
 * fixed launch options (today: the CPU backend and a thread count); a model
 * whose launch differs in any of them starts cold. Correctness first: a spare
 * that is gone, already promised to another start, or prepared differently is
 * never used.
 */

export interface SpareView {
  readonly pid: number;
  readonly threads: number;
  /** Already handed to a start that has not spawned yet. */
  readonly reserved: boolean;
  /** Set once the process is gone. */
  readonly exited: string | null;
}

export interface SpareWanted {
  readonly threads: number;
}

export type SpareDecision = { readonly action: 'adopt'; readonly reason: string } | { readonly action: 'cold'; readonly reason: string };

export function decideSpareUse(input: {
  readonly enabled: boolean;
  readonly spare: SpareView | null;
  readonly wanted: SpareWanted;
  /** Why the last spare is gone, when it is. */
  readonly lastLoss: string | null;
}): SpareDecision {
  const { spare, wanted } = input;
  if (!input.enabled) return { action: 'cold', reason: 'the spare worker is turned off (lifecycle.spareWorker: false)' };
  if (spare === null) {
    return { action: 'cold', reason: input.lastLoss !== null ? `no spare worker: ${input.lastLoss}` : 'no spare worker prepared yet' };
  }
  if (spare.exited !== null) return { action: 'cold', reason: `no spare worker: spare ${spare.pid} ${spare.exited}` };
  if (spare.reserved) return { action: 'cold', reason: `the spare worker ${spare.pid} is already taken by another start` };
  if (spare.threads !== wanted.threads) {
    return { action: 'cold', reason: `the spare worker ${spare.pid} was prepared with ${spare.threads} threads, this model starts with ${wanted.threads}` };
  }
  return { action: 'adopt', reason: `adopting the spare worker ${spare.pid} (node-llama-cpp already loaded, ${spare.threads} threads)` };
}
