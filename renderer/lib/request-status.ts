/**
 * How a request's HTTP status reads at a glance: a class (ok, cancelled,
 * error, or still in flight), the colour for it, and the words for a badge.
 * 499 is the status the engine records when the client went away. Pure.
 */
import { ROLE_COLORS } from '../theme.js';

export type StatusClass = 'ok' | 'cancelled' | 'error' | 'pending';

/** The engine records status 0 while a request is in flight. */
export function statusClassOf(status: number, error?: string | null): StatusClass {
  if (status === 0) return error ? 'error' : 'pending';
  if (status === 499) return 'cancelled';
  if (status >= 400) return 'error';
  return 'ok';
}

export const STATUS_COLORS: Readonly<Record<StatusClass, string>> = {
  ok: ROLE_COLORS.ok,
  cancelled: ROLE_COLORS.idle,
  error: ROLE_COLORS.bad,
  pending: ROLE_COLORS.busy,
};

/** The badge's words: the number, or a dash while in flight. */
export function statusLabel(status: number): string {
  return status === 0 ? '…' : String(status);
}

/** A sentence for the badge's title and screen readers. */
export function statusTitle(status: number, error?: string | null): string {
  const kind = statusClassOf(status, error);
  const head = kind === 'pending' ? 'In flight' : kind === 'cancelled' ? `HTTP ${status}: cancelled (the client went away)` : kind === 'error' ? `HTTP ${status || '—'}: failed` : `HTTP ${status}: answered`;
  return error && kind !== 'ok' ? `${head}. ${error}` : head;
}
