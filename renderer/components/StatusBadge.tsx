/** The HTTP status a request got, coloured by class (ok, cancelled, error); an ellipsis while in flight. */
import { Badge } from '@mantine/core';
import { STATUS_COLORS, statusClassOf, statusLabel, statusTitle } from '../lib/request-status.js';

export function StatusBadge({ status, error }: { readonly status: number; readonly error?: string | null }) {
  const outcome = statusClassOf(status, error);
  return (
    <Badge size="sm" variant={outcome === 'pending' ? 'outline' : 'light'} color={STATUS_COLORS[outcome]} title={statusTitle(status, error)} aria-label={statusTitle(status, error)} data-status-class={outcome} className="hp-figure">
      {statusLabel(status)}
    </Badge>
  );
}
