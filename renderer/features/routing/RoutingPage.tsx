/**
 * Routing: where every request went and why (the live request log and each
 * request's trace), today's spend and savings, the cache, privacy mode, and
 * the routes and providers that decide it.
 */
import { useEffect } from 'react';
import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Switch, Table, Text, Title } from '@mantine/core';
import type { DailyTotals } from '../../../preload/contract.js';
import { CacheOffBadge } from '../../components/CacheOffBadge.js';
import { StatCard } from '../../components/StatCard.js';
import { formatBytes, formatCount, formatRatio, formatUsd } from '../../lib/format.js';
import { requestsFeed, useRequests } from '../../stores/requests.js';
import { useRouting } from '../../stores/routing.js';
import { useReloadOnReconnect } from '../../stores/status.js';
import { ROLE_COLORS } from '../../theme.js';
import { RequestLog } from './RequestLog.js';
import { RouteEditor } from './RouteEditor.js';

export function RoutingPage() {
  useEffect(() => requestsFeed.acquire(), []);
  useEffect(() => {
    void useRouting.getState().load();
    const timer = setInterval(() => void useRouting.getState().refreshCache(), 5000);
    return () => clearInterval(timer);
  }, []);
  // The draft being edited is kept: load() only replaces it when nothing is changed.
  useReloadOnReconnect(() => useRouting.getState().load());
  const loadError = useRouting((s) => s.loadError);

  return (
    <Stack gap="lg">
      <Title order={2}>Routing</Title>
      <TodayCards />
      <RequestLog />
      {loadError && (
        <Alert color="red" variant="light" role="alert" title="Routes and providers are unavailable">
          {loadError.message}{' '}
          <Button size="xs" variant="light" color="red" ml="sm" onClick={() => void useRouting.getState().load()}>
            Try again
          </Button>
        </Alert>
      )}
      <CacheCard />
      <RouteEditor />
    </Stack>
  );
}

/** Today's requests, spend and savings, and the privacy switch. */
function TodayCards() {
  const totals = useRequests((s) => s.totals);
  const totalsError = useRequests((s) => s.totalsError);
  const today = todayOf(totals);
  const config = useRouting((s) => s.config);
  const privacyBusy = useRouting((s) => s.privacyBusy);
  const privacy = config?.privacy ?? false;
  const byTier = today ? Object.entries(today.byTier).map(([tier, t]) => `${tier} ${formatCount(t?.requests)}`).join(' · ') : '';
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }}>
      <StatCard label="Requests today" value={formatCount(today?.requests ?? (totalsError ? null : 0))} hint={totalsError ? totalsError.message : byTier || 'None yet today.'} />
      <StatCard label="Cloud spend today" value={formatUsd(today?.cloudSpendUsd ?? (totalsError ? null : 0))} hint="From usage × each provider's prices." />
      <StatCard label="Saved today" value={formatUsd(today?.savedUsd ?? (totalsError ? null : 0))} hint="What the route's cloud price would have charged for answers from this machine or the cache." />
      <StatCard label="Privacy mode" value={privacy ? 'On' : 'Off'} badge={{ text: privacy ? 'local + LAN only' : 'cloud allowed', color: privacy ? ROLE_COLORS.ok : ROLE_COLORS.idle }}>
        <Switch
          mt="xs"
          label="Keep every request on this machine and the LAN"
          checked={privacy}
          disabled={config === null || privacyBusy}
          onChange={(e) => void useRouting.getState().setPrivacy(e.currentTarget.checked)}
        />
      </StatCard>
    </SimpleGrid>
  );
}

interface CacheFigures {
  /** The global switch (Settings); off, the figures stay but no request reads or writes the cache. */
  readonly enabled: boolean;
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  readonly bytes: number;
  readonly byRoute: Readonly<Record<string, { readonly hits: number; readonly misses: number }>>;
}

function cacheFigures(view: unknown): CacheFigures | null {
  if (typeof view !== 'object' || view === null) return null;
  const v = view as Partial<CacheFigures>;
  const n = (x: unknown) => (typeof x === 'number' ? x : 0);
  return { enabled: v.enabled !== false, hits: n(v.hits), misses: n(v.misses), entries: n(v.entries), bytes: n(v.bytes), byRoute: v.byRoute ?? {} };
}

/** The response cache's figures, per route, and whether it is switched on. */
export function CacheCard() {
  const cache = useRouting((s) => s.cache);
  const cacheError = useRouting((s) => s.cacheError);
  const notice = useRouting((s) => s.cacheNotice);
  const clearing = useRouting((s) => s.clearing);
  const figures = cacheFigures(cache);
  const lookups = figures ? figures.hits + figures.misses : 0;
  const routes = figures ? Object.entries(figures.byRoute) : [];
  const clear = (route?: string) => void useRouting.getState().clearCache(route);
  return (
    <Card component="section" aria-label="Response cache">
      <Group justify="space-between" mb="sm">
        <Group gap="xs">
          <Title order={4}>Response cache</Title>
          {figures && !figures.enabled && <CacheOffBadge />}
        </Group>
        <Button size="xs" variant="light" color="red" onClick={() => clear()} loading={clearing === '*'} disabled={!figures || figures.entries === 0}>
          Clear all
        </Button>
      </Group>
      {cacheError && (
        <Alert color="red" variant="light" mb="sm" role="alert">
          {cacheError.message}
        </Alert>
      )}
      {notice && (
        <Text size="sm" c={ROLE_COLORS.ok} mb="sm" role="status">
          {notice}
        </Text>
      )}
      {figures && !figures.enabled && (
        <Text size="sm" c="dimmed" mb="sm">
          The cache is switched off in{' '}
          <Anchor href="#/settings" size="sm">
            Settings
          </Anchor>
          : every request goes to its model, and nothing is stored. The entries below are kept for when it is switched on again.
        </Text>
      )}
      {figures && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }} mb="sm">
            <Figure label="Hit rate" value={lookups ? formatRatio(figures.hits / lookups) : '—'} />
            <Figure label="Hits / misses" value={`${formatCount(figures.hits)} / ${formatCount(figures.misses)}`} />
            <Figure label="Entries" value={formatCount(figures.entries)} />
            <Figure label="Size" value={formatBytes(figures.bytes)} />
          </SimpleGrid>
          {routes.length > 0 ? (
            <Table aria-label="Cache by route" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Route</Table.Th>
                  <Table.Th ta="right">Hits</Table.Th>
                  <Table.Th ta="right">Misses</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {routes.map(([route, counts]) => (
                  <Table.Tr key={route}>
                    <Table.Td>{route}</Table.Td>
                    <Table.Td ta="right" className="hp-figure">
                      {formatCount(counts.hits)}
                    </Table.Td>
                    <Table.Td ta="right" className="hp-figure">
                      {formatCount(counts.misses)}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => clear(route)} loading={clearing === route} aria-label={`Clear the cache of ${route}`}>
                        Clear
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text size="sm" c="dimmed">
              Nothing cached yet. Requests to a route (temperature 0 or a fixed seed) are answered from here the second time; a plain model name goes straight to its model, so add a route below to cache it.
            </Text>
          )}
        </>
      )}
    </Card>
  );
}

function Figure({ label, value }: { readonly label: string; readonly value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text className="hp-figure" fw={600}>
        {value}
      </Text>
    </div>
  );
}

function todayOf(days: readonly DailyTotals[]): DailyTotals | null {
  const d = new Date();
  const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return days.find((day) => day.day === key) ?? null;
}
