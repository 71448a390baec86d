/** One request's full trace: every target tried in order, with its outcome and reason, and the figures. */
import { Badge, Code, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { RequestRecord } from '../../../preload/contract.js';
import { formatClock, formatCount, formatMs, formatTokPerSec, formatUsd } from '../../lib/format.js';
import { ROLE_COLORS } from '../../theme.js';
import { TIER_COLORS, reasonOf } from './request-view.js';

const OUTCOME_COLORS: Readonly<Record<string, string>> = {
  answered: ROLE_COLORS.ok,
  hit: ROLE_COLORS.cache,
  miss: ROLE_COLORS.idle,
  bypass: ROLE_COLORS.idle,
  skipped: ROLE_COLORS.warn,
  failed: ROLE_COLORS.bad,
  broken: ROLE_COLORS.bad,
  cancelled: ROLE_COLORS.idle,
};

export function RequestTrace({ record }: { readonly record: RequestRecord }) {
  const figures: [string, string][] = [
    ['Time', formatClock(record.time)],
    ['Client', record.client || '—'],
    ['Model asked for', record.model],
    ['Route', record.route ?? 'none (the model itself)'],
    ['Endpoint', `${record.endpoint}${record.stream ? ' (stream)' : ''}`],
    ['Status', record.status ? String(record.status) : 'in flight'],
    ['TTFT', formatMs(record.ttftMs)],
    ['Duration', formatMs(record.durationMs)],
    ['Decode speed', formatTokPerSec(record.decodeTokPerSec)],
    ['Tokens (prompt + completion)', `${formatCount(record.promptTokens)} + ${formatCount(record.completionTokens)}`],
    ['Cost', formatUsd(record.costUsd)],
    ['Saved vs cloud', formatUsd(record.savedUsd)],
  ];
  return (
    <Stack gap="md">
      <Group gap="xs">
        {record.finalTier ? (
          <Badge color={TIER_COLORS[record.finalTier]} variant="light">
            {record.finalTier}
          </Badge>
        ) : (
          <Badge color={ROLE_COLORS.bad} variant="light">
            not answered
          </Badge>
        )}
        {record.finalTarget && <Code>{record.finalTarget}</Code>}
        <Badge variant="outline" color={ROLE_COLORS.idle}>
          {record.phase}
        </Badge>
      </Group>
      <Text size="sm" aria-label="Reason">
        {reasonOf(record)}
      </Text>
      {record.error && (
        <Text size="sm" c="red" role="alert">
          {record.error}
        </Text>
      )}
      <SimpleGrid cols={2} spacing="xs" verticalSpacing={4} style={{ minWidth: 0 }}>
        {figures.map(([label, value]) => (
          <div key={label} style={{ minWidth: 0 }}>
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text size="sm" className="hp-figure" truncate="end" title={value}>
              {value}
            </Text>
          </div>
        ))}
      </SimpleGrid>
      <Title order={5}>Targets tried, in order</Title>
      {record.attempts.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing tried yet.
        </Text>
      ) : (
        <Table aria-label="Targets tried" withTableBorder fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>#</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th ta="right">Time</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {record.attempts.map((attempt, i) => (
              <Table.Tr key={`${attempt.target}-${i}`}>
                <Table.Td className="hp-figure">{i + 1}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Code>{attempt.target}</Code>
                  <Text span size="xs" c="dimmed" ml={6}>
                    {attempt.tier}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Badge
                    size="sm"
                    variant="light"
                    color={OUTCOME_COLORS[attempt.outcome] ?? ROLE_COLORS.idle}
                    // The table's narrowest column would otherwise cut the word ("ANSWERE…"): the badge keeps its full width.
                    styles={{ root: { overflow: 'visible', minWidth: 'max-content' }, label: { overflow: 'visible' } }}
                  >
                    {attempt.outcome}
                    {attempt.status ? ` ${attempt.status}` : ''}
                  </Badge>
                </Table.Td>
                <Table.Td>{attempt.reason}{attempt.tries && attempt.tries > 1 ? ` (${attempt.tries} tries)` : ''}</Table.Td>
                <Table.Td ta="right" className="hp-figure">
                  {formatMs(attempt.ms)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {record.cache.similarity !== undefined && (
        <Text size="sm">
          Cache similarity {record.cache.similarity.toFixed(3)}
          {record.cache.reason ? ` — ${record.cache.reason}` : ''}
        </Text>
      )}
      {record.timing && [record.timing.routingMs, record.timing.cacheMs, record.timing.upstreamMs].some((ms) => ms !== null && ms !== undefined) && (
        <Text size="xs" c="dimmed">
          Engine time: routing {formatMs(record.timing.routingMs)}, cache {formatMs(record.timing.cacheMs)}, upstream first byte {formatMs(record.timing.upstreamMs)}
        </Text>
      )}
    </Stack>
  );
}
