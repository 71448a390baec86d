/** Context sizes a slider steps through: powers of two from 512 up to the model's trained context. */
export function contextSteps(trained: number | null): number[] {
  const max = trained && trained >= 512 ? trained : 131072;
  const steps: number[] = [];
  for (let c = 512; c < max; c *= 2) steps.push(c);
  steps.push(max);
  return steps;
}

/** The step nearest to a context size. */
export function nearestStep(steps: readonly number[], ctx: number): number {
  let best = 0;
  for (let i = 1; i < steps.length; i += 1) if (Math.abs(steps[i]! - ctx) < Math.abs(steps[best]! - ctx)) best = i;
  return best;
}
