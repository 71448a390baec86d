/** The request log: filters, a live virtualised table, and a drawer with one request's full trace. */
import { memo, useMemo } from 'react';
import { useMediaQuery } from '@mantine/hooks';
import { Badge, Button, Card, Drawer, Group, Loader, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import type { RequestRecord, Tier } from '../../../preload/contract.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { StatusBadge } from '../../components/StatusBadge.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { formatClock, formatCount, formatMs, formatTokPerSec, formatUsd } from '../../lib/format.js';
import { useRequests, type RequestFilters } from '../../stores/requests.js';
import { statusClassOf } from '../../lib/request-status.js';
import { ROLE_COLORS } from '../../theme.js';
import { RequestTrace } from './RequestTrace.js';
import { SINCE_CHOICES, TIERS, TIER_COLORS, reasonOf, tokensOf } from './request-view.js';

const COLUMNS: readonly Column<RequestRecord>[] = [
  { key: 'time', header: 'Time', width: '88px', render: (r) => <span className="hp-figure">{formatClock(r.time)}</span> },
  { key: 'client', header: 'Client', width: 'minmax(90px, 1fr)', render: (r) => <span className="hp-cell-text" title={r.client}>{r.client || '—'}</span> },
  { key: 'route', header: 'Route / model', width: 'minmax(110px, 1.2fr)', render: (r) => <span className="hp-cell-text" title={r.route ?? r.model}>{r.route ?? r.model}</span> },
  {
    key: 'status',
    header: 'Status',
    width: '68px',
    render: (r) => <StatusBadge status={r.status} error={r.error} />,
  },
  {
    key: 'tier',
    header: 'Tier',
    width: '92px',
    render: (r) =>
      r.finalTier ? (
        // A tier that was tried but failed reads grey: where it went, not where it was answered.
        <Badge size="sm" variant="light" color={failed(r) ? ROLE_COLORS.idle : TIER_COLORS[r.finalTier]} title={failed(r) ? `Sent to ${r.finalTier}, which did not answer` : undefined}>
          {r.finalTier}
        </Badge>
      ) : r.phase === 'done' ? (
        <Badge size="sm" variant="light" color={ROLE_COLORS.bad}>
          none
        </Badge>
      ) : (
        <Badge size="sm" variant="outline" color={ROLE_COLORS.busy}>
          {r.phase}
        </Badge>
      ),
  },
  {
    key: 'reason',
    header: 'Reason',
    width: 'minmax(160px, 2.4fr)',
    render: (r) => {
      const reason = reasonOf(r);
      const outcome = statusClassOf(r.status, r.error);
      return (
        <span className="hp-cell-text" title={reason} data-outcome={outcome} style={outcome === 'error' ? ERROR_TEXT : undefined}>
          {reason}
        </span>
      );
    },
  },
  { key: 'ttft', header: 'TTFT', width: '78px', align: 'right', render: (r) => <span className="hp-figure">{formatMs(r.ttftMs)}</span> },
  { key: 'tps', header: 'tok/s', width: '90px', align: 'right', render: (r) => <span className="hp-figure">{formatTokPerSec(r.decodeTokPerSec).replace(' tok/s', '')}</span> },
  { key: 'tokens', header: 'Tokens', width: '70px', align: 'right', render: (r) => <span className="hp-figure">{formatCount(tokensOf(r))}</span> },
  { key: 'cost', header: 'Cost', width: '72px', align: 'right', render: (r) => <span className="hp-figure">{formatUsd(r.costUsd)}</span> },
];

/** Below this window width the client, tokens and cost columns give way (the request's drawer shows them), so the log fits without scrolling sideways. */
const WIDE_LOG = '(min-width: 1280px)';
const NARROW_HIDDEN: ReadonlySet<string> = new Set(['client', 'tokens', 'cost']);
const COMPACT_COLUMNS = COLUMNS.filter((c) => !NARROW_HIDDEN.has(c.key));

export function RequestLog() {
  const wide = useMediaQuery(WIDE_LOG, true) ?? true;
  const records = useRequests((s) => s.records);
  const loading = useRequests((s) => s.loading);
  const error = useRequests((s) => s.error);
  const filtered = useRequests((s) => isFiltered(s.filters));
  const selectedId = useRequests((s) => s.selectedId);
  const { clearFilters, reload, select } = useRequests.getState();

  return (
    <Card component="section" aria-label="Request log">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Group gap="xs">
          <Title order={4}>Request log</Title>
          {loading && <Loader size="xs" aria-label="Loading requests" />}
          <Text size="xs" c="dimmed" className="hp-figure">
            live · {formatCount(records.length)} shown
          </Text>
        </Group>
        <FilterBar />
      </Group>
      {error ? (
        <ErrorNotice
          title="The request log is unavailable"
          message={error.message}
          hint="The engine records every request it answers; if this persists, check that this engine version has the request log."
          onRetry={() => void reload()}
        />
      ) : (
        <VirtualTable
          label="Requests"
          columns={wide ? COLUMNS : COMPACT_COLUMNS}
          rows={records}
          rowKey={rowKey}
          maxHeight={420}
          selectedKey={selectedId}
          onRowClick={(r) => void select(r.id)}
          empty={
            filtered ? (
              <EmptyState title="No requests match these filters" action={<Button size="xs" variant="light" onClick={clearFilters}>Clear filters</Button>} />
            ) : (
              <EmptyState title="No requests yet">Send one from the Playground, or point any OpenAI client at the endpoint; each request appears here with where it went and why.</EmptyState>
            )
          }
        />
      )}
      <TraceDrawer />
    </Card>
  );
}

/** The opened request's trace: its own component, so live rows arriving never redraw the drawer. */
const TraceDrawer = memo(function TraceDrawer() {
  const selectedId = useRequests((s) => s.selectedId);
  const selected = useRequests((s) => s.selected);
  const selectedError = useRequests((s) => s.selectedError);
  const { select } = useRequests.getState();
  return (
    <Drawer opened={selectedId !== null} onClose={() => void select(null)} position="right" size="lg" title={<Title order={4}>Request {selectedId}</Title>}>
      <Stack>
        {selectedError && <ErrorNotice title="Could not load this request" message={selectedError.message} onRetry={() => selectedId && void select(selectedId)} />}
        {selected ? <RequestTrace record={selected} /> : !selectedError && <Loader size="sm" aria-label="Loading the trace" />}
      </Stack>
    </Drawer>
  );
});

const rowKey = (r: RequestRecord) => r.id;

const ERROR_TEXT = { color: `var(--mantine-color-${ROLE_COLORS.bad}-text)` } as const;

/** Finished and not answered: an error status, or a client that went away. */
function failed(r: RequestRecord): boolean {
  const outcome = statusClassOf(r.status, r.error);
  return outcome === 'error' || outcome === 'cancelled';
}

function isFiltered(filters: RequestFilters): boolean {
  return filters.tier !== null || filters.model !== '' || filters.route !== '' || filters.since !== null;
}

/** The filters: their own component, so live rows arriving never redraw the selects. */
const FilterBar = memo(function FilterBar() {
  const filters = useRequests((s) => s.filters);
  const { setFilters, clearFilters } = useRequests.getState();
  const sinceValue = useMemo(() => sinceChoice(filters.since), [filters.since]);
  return (
    <Group gap="xs" wrap="wrap" align="flex-end">
      <Select
        label="Tier"
        size="xs"
        w={110}
        data={TIER_FILTER}
        value={filters.tier ?? 'all'}
        onChange={(v) => setFilters({ tier: v && v !== 'all' ? (v as Tier) : null })}
        allowDeselect={false}
      />
      <TextInput label="Model" size="xs" w={140} placeholder="any" value={filters.model} onChange={(e) => setFilters({ model: e.currentTarget.value.trim() })} />
      <TextInput label="Route" size="xs" w={120} placeholder="any" value={filters.route} onChange={(e) => setFilters({ route: e.currentTarget.value.trim() })} />
      <Select
        label="Since"
        size="xs"
        w={150}
        data={SINCE_DATA}
        value={sinceValue.value}
        onChange={(v) => {
          const choice = SINCE_CHOICES.find((c) => c.value === v);
          setFilters({ since: choice?.ms ? Date.now() - choice.ms : null });
        }}
        allowDeselect={false}
      />
      {isFiltered(filters) && (
        <Button size="xs" variant="subtle" onClick={clearFilters}>
          Clear filters
        </Button>
      )}
    </Group>
  );
});

const TIER_FILTER = [{ value: 'all', label: 'All tiers' }, ...TIERS.map((t) => ({ value: t, label: t }))];
const SINCE_DATA = SINCE_CHOICES.map((c) => ({ value: c.value, label: c.label }));

/** The "since" choice closest to a stored timestamp (filters keep the time, the select shows the choice). */
function sinceChoice(since: number | null): (typeof SINCE_CHOICES)[number] {
  if (since === null) return SINCE_CHOICES[0];
  const age = Date.now() - since;
  return SINCE_CHOICES.filter((c) => c.ms !== null).reduce((best, c) => (Math.abs((c.ms ?? 0) - age) < Math.abs((best.ms ?? 0) - age) ? c : best), SINCE_CHOICES[1]);
}
