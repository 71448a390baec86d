/**
 * The Overview's tokens-per-second chart before the page was open, rebuilt
 * from the request log, so the chart shows the last minute at once instead
 * of starting empty: each request counts at its average decode speed from
 * its first token to its end (or to now while in flight), and the rates of
 * requests generating at the same moment add up, as the live samples do.
 * Cache hits generate nothing. Pure.
 */
import type { RequestRecord } from '../../preload/contract.js';

export interface TokenRatePoint {
  /** ms since epoch. */
  readonly at: number;
  readonly tokPerSec: number;
}

export interface TokenRateWindow {
  /** First point (ms since epoch). */
  readonly from: number;
  /** Points stop before this. */
  readonly to: number;
  readonly stepMs: number;
}

export function tokenRateHistory(records: readonly RequestRecord[], window: TokenRateWindow): TokenRatePoint[] {
  const spans: { start: number; end: number; rate: number }[] = [];
  for (const r of records) {
    if (r.ttftMs === null || !r.completionTokens || r.cache?.result === 'hit') continue;
    const start = r.time + r.ttftMs;
    const end = r.phase === 'done' ? r.time + r.durationMs : window.to;
    const rate = r.decodeTokPerSec ?? (end > start && r.completionTokens > 1 ? ((r.completionTokens - 1) * 1000) / (end - start) : null);
    if (rate === null || !Number.isFinite(rate) || rate <= 0 || end <= start) continue;
    spans.push({ start, end, rate });
  }
  const points: TokenRatePoint[] = [];
  if (window.stepMs <= 0) return points;
  for (let at = window.from; at < window.to; at += window.stepMs) {
    let total = 0;
    for (const s of spans) if (at >= s.start && at < s.end) total += s.rate;
    points.push({ at, tokPerSec: total });
  }
  return points;
}
