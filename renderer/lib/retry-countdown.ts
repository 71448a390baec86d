/**
 * When the panel next tries to reach the engine, as one value for everything
 * that shows it (the header's badge and the banner above the page). Each of the
 * transport's event streams keeps its own backoff and reports its own retry
 * time, so the latest report is not always the next try: the next try is the
 * earliest one still ahead. Pure: the status store keeps the times and the one
 * clock that counts down.
 */

/** The retry times still ahead once a stream reported `reported`, earliest first. */
export function withReportedRetry(pending: readonly number[], reported: number, now: number): number[] {
  return [...pending.filter((at) => at > now), reported].sort((a, b) => a - b);
}

/** The next try: the earliest time still ahead; when all are due, the last of them (shown as "now"); null when none. */
export function nextRetryAt(pending: readonly number[], now: number): number | null {
  return pending.find((at) => at > now) ?? pending.at(-1) ?? null;
}

/** Whole seconds until `at` (rounded up, so "in 1 s" lasts until the try), 0 once it is due. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** How long until the countdown shows its next number (the next whole second before `at`); null once it is due. */
export function msUntilNextTick(at: number, now: number): number | null {
  const left = at - now;
  if (left <= 0) return null;
  return left % 1000 || 1000;
}
