/** Requests in flight (queued, prefill, generating with tok/s so far) and the latest finished ones. */
import { Badge, Card, Group, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { formatClock, formatCount, formatMs, formatTokPerSec } from '../../lib/format.js';
import type { LiveRequestRow, RequestLogAvailability } from '../../stores/status.js';
import { STATUS_COLORS, statusClassOf, statusTitle } from '../../lib/request-status.js';
import { ROLE_COLORS } from '../../theme.js';

const PHASE_COLOR = { queued: ROLE_COLORS.warn, prefill: ROLE_COLORS.busy, generating: ROLE_COLORS.ok, done: ROLE_COLORS.idle } as const;
const TIER_COLOR = { cache: ROLE_COLORS.cache, local: ROLE_COLORS.local, network: ROLE_COLORS.network, cloud: ROLE_COLORS.cloud } as const;

const COLUMNS: readonly Column<LiveRequestRow>[] = [
  { key: 'time', header: 'Time', width: '84px', render: (r) => <span className="hp-figure">{formatClock(r.time)}</span> },
  {
    key: 'phase',
    header: 'Phase',
    width: '144px',
    render: (r) => {
      const outcome = r.phase === 'done' ? statusClassOf(r.status, r.error) : 'pending';
      return outcome === 'error' || outcome === 'cancelled' ? (
        <Badge size="sm" variant="light" color={STATUS_COLORS[outcome]} title={statusTitle(r.status, r.error)} data-status-class={outcome}>
          {outcome === 'cancelled' ? `cancelled ${r.status}` : r.status >= 400 ? `error ${r.status}` : 'error'}
        </Badge>
      ) : (
        <Badge size="sm" variant={r.phase === 'done' ? 'outline' : 'light'} color={PHASE_COLOR[r.phase]} title={r.phase === 'done' ? statusTitle(r.status, r.error) : undefined} data-status-class={outcome}>
          {r.phase === 'done' && r.status ? `done ${r.status}` : r.phase}
        </Badge>
      );
    },
  },
  { key: 'model', header: 'Model', width: 'minmax(140px, 2fr)', render: (r) => <span className="hp-cell-text">{r.model || '—'}</span> },
  {
    key: 'tier',
    header: 'Tier',
    width: '90px',
    render: (r) =>
      r.tier ? (
        <Badge size="sm" variant="dot" color={r.phase === 'done' && statusClassOf(r.status, r.error) !== 'ok' ? ROLE_COLORS.idle : TIER_COLOR[r.tier]}>
          {r.tier}
        </Badge>
      ) : (
        <span className="hp-cell-text" data-dimmed="true">
          —
        </span>
      ),
  },
  { key: 'tps', header: 'tok/s', width: '100px', align: 'right', render: (r) => <span className="hp-figure">{formatTokPerSec(r.tokPerSec)}</span> },
  { key: 'ttft', header: 'TTFT', width: '90px', align: 'right', render: (r) => <span className="hp-figure">{formatMs(r.ttftMs)}</span> },
  { key: 'tokens', header: 'Tokens', width: '80px', align: 'right', render: (r) => <span className="hp-figure">{formatCount(r.completionTokens)}</span> },
  {
    key: 'client',
    header: 'Client',
    width: 'minmax(120px, 1.5fr)',
    render: (r) => (
      <span className="hp-cell-text" data-dimmed="true" title={r.client}>
        {r.client || '—'}
      </span>
    ),
  },
];

/** Below this window width the tokens and client columns give way (Routing's request log has them), so the table fits a 1000 px window. */
const WIDE_TABLE = '(min-width: 1280px)';
const NARROW_HIDDEN: ReadonlySet<string> = new Set(['tokens', 'client']);
const COMPACT_COLUMNS = COLUMNS.filter((c) => !NARROW_HIDDEN.has(c.key));

export interface LiveRequestTableProps {
  readonly rows: readonly LiveRequestRow[];
  readonly availability: RequestLogAvailability;
  readonly onRetry: () => void;
}

export function LiveRequestTable({ rows, availability, onRetry }: LiveRequestTableProps) {
  const wide = useMediaQuery(WIDE_TABLE, true) ?? true;
  const inFlight = rows.filter((r) => r.phase !== 'done').length;
  return (
    <Card>
      <Group justify="space-between" mb="xs">
        <Title order={4}>Live requests</Title>
        <Text size="sm" c="dimmed" className="hp-figure">
          {formatCount(inFlight)} in flight
        </Text>
      </Group>
      {availability.state === 'unavailable' ? (
        <ErrorNotice
          title="Request log unavailable"
          message={availability.error.message}
          hint="This engine does not serve the live request log. Requests are still answered; update Homeport to see them here."
          onRetry={onRetry}
        />
      ) : (
        <VirtualTable
          label="Live requests"
          columns={wide ? COLUMNS : COMPACT_COLUMNS}
          rows={rows}
          rowKey={(r) => r.id}
          empty={
            <EmptyState title={availability.state === 'unknown' ? 'Connecting to the request log…' : 'No requests yet'}>
              Send a request to the endpoint above (or try one in the Playground) and it appears here as it is queued, prefilled and generated.
            </EmptyState>
          }
        />
      )}
    </Card>
  );
}
