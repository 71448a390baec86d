/**
 * How the request log reads: the reason a row shows (the answering attempt's
 * reason, or the last one when nothing answered), tier colours and the
 * "since" choices. Pure.
 */
import type { RequestRecord, Tier } from '../../../preload/contract.js';
import { ROLE_COLORS } from '../../theme.js';

export const TIER_COLORS: Readonly<Record<Tier, string>> = { cache: ROLE_COLORS.cache, local: ROLE_COLORS.local, network: ROLE_COLORS.network, cloud: ROLE_COLORS.cloud };

export const TIERS: readonly Tier[] = ['cache', 'local', 'network', 'cloud'];

export const SINCE_CHOICES = [
  { value: 'all', label: 'Any time', ms: null },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 60 * 60_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 60 * 60_000 },
] as const;

/** The one-line reason for a record: why it went where it went, or why it failed. */
export function reasonOf(record: RequestRecord): string {
  if (record.error && (record.finalTier === null || record.status >= 400)) return record.error;
  const answered = record.attempts.find((a) => a.outcome === 'answered' || a.outcome === 'hit');
  if (answered?.reason) return answered.reason;
  const skipped = record.attempts.filter((a) => a.outcome !== 'miss' && a.outcome !== 'bypass');
  const last = skipped[skipped.length - 1] ?? record.attempts[record.attempts.length - 1];
  if (last?.reason) return last.reason;
  return record.phase === 'done' ? 'no reason recorded' : 'in progress';
}

/** Total tokens (prompt + completion) when either is known. */
export function tokensOf(record: RequestRecord): number | null {
  if (record.promptTokens === null && record.completionTokens === null) return null;
  return (record.promptTokens ?? 0) + (record.completionTokens ?? 0);
}
