/** Overview: the endpoint, each tier at a glance, tokens per second live, and the requests in flight. */
import { useEffect, useMemo } from 'react';
import { Card, Center, Loader, SimpleGrid, Stack, Title } from '@mantine/core';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveChart } from '../../components/LiveChart.js';
import { StatCard } from '../../components/StatCard.js';
import { formatCompact, formatTokPerSec } from '../../lib/format.js';
import { useSettings } from '../../stores/settings.js';
import { liveFeed, tierFeed, useReloadOnReconnect, useStatus } from '../../stores/status.js';
import { CHART_COLORS, ROLE_COLORS } from '../../theme.js';
import { EndpointCard, snippetModel } from './EndpointCard.js';
import { LiveRequestTable } from './LiveRequestTable.js';
import { summariseCache, summariseCloud, summariseLocal, summarisePrivacy, type TierSummary } from './tier-summary.js';

const TONE = { ok: ROLE_COLORS.ok, warn: ROLE_COLORS.warn, bad: ROLE_COLORS.bad, idle: ROLE_COLORS.idle } as const;
const TOKEN_SERIES = [{ label: 'Generated', color: CHART_COLORS[0], fill: true }] as const;
const formatTps = (v: number | null) => formatTokPerSec(v);

export function OverviewPage() {
  // Only whether there is a status: the parts below read what they show, so the per-second status redraws them, not the page.
  const hasStatus = useStatus((s) => s.status !== null);
  const statusError = useStatus((s) => s.statusError);
  const refreshStatus = useStatus((s) => s.refreshStatus);
  useEffect(() => liveFeed.acquire(), []);
  useEffect(() => tierFeed.acquire(), []);
  useEffect(() => void useSettings.getState().load(), []);
  useReloadOnReconnect(() => useSettings.getState().load());

  if (!hasStatus) {
    return statusError ? (
      <ErrorNotice title="The engine did not answer" message={statusError.message} hint="Check that Homeport is running, then try again." onRetry={() => void refreshStatus()} />
    ) : (
      <Center py="xl">
        <Loader size="sm" aria-label="Loading status" />
      </Center>
    );
  }

  return (
    <Stack gap="lg">
      <Title order={2}>Overview</Title>
      <Endpoint />
      <TierCards />
      <TokensChart />
      <LiveRequests />
    </Stack>
  );
}

function Endpoint() {
  const baseUrl = useStatus((s) => s.status?.baseUrl);
  const model = useStatus((s) => (s.status ? snippetModel(s.status) : null));
  const status = useStatus.getState().status;
  // EndpointCard reads the URL and the snippet model; it redraws when those change.
  return useMemo(() => (status ? <EndpointCard status={status} /> : null), [baseUrl, model]);
}

function TierCards() {
  const status = useStatus((s) => s.status);
  const cache = useStatus((s) => s.cache);
  const providers = useStatus((s) => s.providers);
  const privacy = useSettings((s) => s.view?.settings.privacy ?? null);
  const cards: { label: string; summary: TierSummary; error?: string }[] = [
    { label: 'Cache', summary: summariseCache(cache.data), error: cache.error?.message },
    { label: 'This machine', summary: summariseLocal(status) },
    { label: 'Network & cloud', summary: summariseCloud(providers.data, privacy), error: providers.error?.message },
    { label: 'Privacy mode', summary: summarisePrivacy(privacy) },
  ];
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, lg: 4 }}>
      {cards.map(({ label, summary, error }) => (
        <StatCard
          key={label}
          label={label}
          value={error && summary.value === '—' ? 'Unavailable' : summary.value}
          hint={error && summary.value === '—' ? `${error}` : summary.hint}
          badge={{ text: error && summary.value === '—' ? 'error' : summary.badge.text, color: error && summary.value === '—' ? ROLE_COLORS.bad : TONE[summary.badge.tone] }}
        />
      ))}
    </SimpleGrid>
  );
}

function TokensChart() {
  const tokens = useStatus((s) => s.tokens);
  const version = useStatus((s) => s.tokensVersion);
  return (
    <Card>
      <LiveChart
        title="Tokens per second (all requests, last minute)"
        data={tokens}
        version={version}
        series={TOKEN_SERIES}
        formatValue={formatTps}
        formatAxis={formatCompact}
        windowSec={60}
        height={170}
      />
    </Card>
  );
}

function LiveRequests() {
  const rows = useStatus((s) => s.liveRows);
  const availability = useStatus((s) => s.requestLog);
  const retry = useStatus((s) => s.retryRequestLog);
  return <LiveRequestTable rows={rows} availability={availability} onRetry={retry} />;
}
