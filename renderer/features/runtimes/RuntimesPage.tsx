/** Runtimes: each one running here with its state and controls, the runtimes found on this machine, and a live log. */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import type { EngineStatus } from '../../../preload/contract.js';
import { EmptyState } from '../../components/EmptyState.js';
import { FactList } from '../../components/FactList.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatClock, formatCount, formatRelativeTime, NO_VALUE } from '../../lib/format.js';
import { useNow } from '../../lib/use-now.js';
import { useRuntimes, type RuntimeAction } from '../../stores/runtimes.js';
import { useReloadOnReconnect, useStatus } from '../../stores/status.js';
import { ROLE_COLORS } from '../../theme.js';
import { LogTail } from './LogTail.js';
import { describeSighting, KIND_LABEL, STATE_LOOK, runtimeActions } from './runtime-look.js';

type RuntimeRow = EngineStatus['runtimes'][number];

export function RuntimesPage() {
  const runtimes = useStatus((s) => s.status?.runtimes ?? null);
  const [selected, setSelected] = useState<string | null>(null);
  const loadInfo = useRuntimes((s) => s.loadInfo);
  useEffect(() => void loadInfo(), [loadInfo]);
  useReloadOnReconnect(loadInfo);
  const logOf = selected ?? runtimes?.[0]?.id ?? null;

  return (
    <Stack gap="lg">
      <Title order={2}>Runtimes</Title>
      {runtimes === null ? null : runtimes.length === 0 ? (
        <Card>
          <EmptyState title="No runtimes yet">
            Homeport starts one runtime per model it serves. Add a model on the Models page, or start Ollama, LM Studio or llama-server and press “Look again” below.
          </EmptyState>
        </Card>
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }}>
          {runtimes.map((runtime) => (
            <RuntimeCard key={runtime.id} runtime={runtime} showingLog={logOf === runtime.id} onShowLog={() => setSelected(runtime.id)} />
          ))}
        </SimpleGrid>
      )}
      {logOf && <LogTail runtimeId={logOf} />}
      <DetectedRuntimes />
    </Stack>
  );
}

function RuntimeCard({ runtime, showingLog, onShowLog }: { readonly runtime: RuntimeRow; readonly showingLog: boolean; readonly onShowLog: () => void }) {
  const pending = useRuntimes((s) => s.actions[runtime.id]);
  const error = useRuntimes((s) => s.actionErrors[runtime.id]);
  const run = useRuntimes((s) => s.run);
  const look = STATE_LOOK[runtime.state];
  const allowed = runtimeActions(runtime.state);
  // A server the user runs, which Homeport only attached to: its buttons connect and disconnect, never start or stop it.
  const attached = useRuntimes((s) => s.info?.owners.some((owner) => owner.runtime === runtime.id && owner.attached) ?? false);
  const words = attached ? ATTACHED_WORDS : OWN_WORDS;
  const button = (action: RuntimeAction, label: string, enabled: boolean, color?: string) => (
    <Button
      size="xs"
      variant={action === 'start' ? 'filled' : 'default'}
      color={color}
      disabled={!enabled || (pending !== undefined && pending !== action)}
      loading={pending === action}
      onClick={() => void run(runtime.id, action)}
      aria-label={`${label} ${runtime.id}`}
    >
      {label}
    </Button>
  );
  const facts: [string, string][] = [
    ['Port', runtime.port === null ? NO_VALUE : String(runtime.port)],
    ['PID', runtime.pid === null ? NO_VALUE : String(runtime.pid)],
    ['Restarts', formatCount(runtime.restarts)],
    ['Ready since', runtime.readySince ? formatRelativeTime(runtime.readySince) : NO_VALUE],
    ['Slots busy', runtime.load?.slots ? `${runtime.load.slots.busy} of ${runtime.load.slots.total}` : NO_VALUE],
  ];
  return (
    <Card component="section" aria-label={`Runtime ${runtime.id}`}>
      <Group justify="space-between" wrap="nowrap" mb={4}>
        <Text fw={600} truncate title={runtime.id}>
          {runtime.id}
        </Text>
        <Badge color={look.color} variant={look.color === ROLE_COLORS.idle ? 'outline' : 'light'} style={{ flexShrink: 0 }}>
          {look.label}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mb="sm">
        {KIND_LABEL[runtime.kind]}
        {runtime.models.length ? ` · serves ${runtime.models.join(', ')}` : ''}
      </Text>
      {attached && (
        <Text size="xs" mb="sm">
          Attached: Homeport did not start this server and never stops it. Disconnect only stops Homeport using it; stop the server where it runs to free its
          memory.
        </Text>
      )}
      <FactList facts={facts} layout={{ grid: 3 }} mb="sm" />
      {runtime.lastError && (
        <Alert color={runtime.state === 'failed' ? 'red' : 'yellow'} variant="light" p="xs" mb="sm" title="Last error">
          <Text size="xs">{runtime.lastError}</Text>
        </Alert>
      )}
      {error && <ErrorNotice title={`Could not ${pending ?? 'change'} ${runtime.id}`} message={error.message} />}
      <Group gap="xs" mt="xs">
        {button('start', words.start, allowed.start)}
        {button('stop', words.stop, allowed.stop)}
        {button('restart', words.restart, allowed.restart)}
        <Button size="xs" variant={showingLog ? 'light' : 'subtle'} onClick={onShowLog} aria-pressed={showingLog} aria-label={`Show log of ${runtime.id}`}>
          Log
        </Button>
      </Group>
    </Card>
  );
}

const OWN_WORDS: Readonly<Record<RuntimeAction, string>> = { start: 'Start', stop: 'Stop', restart: 'Restart' };
const ATTACHED_WORDS: Readonly<Record<RuntimeAction, string>> = { start: 'Connect', stop: 'Disconnect', restart: 'Reconnect' };

function DetectedRuntimes() {
  const info = useRuntimes((s) => s.info);
  const infoError = useRuntimes((s) => s.infoError);
  const refreshing = useRuntimes((s) => s.refreshing);
  const refresh = useRuntimes((s) => s.refresh);
  const loadInfo = useRuntimes((s) => s.loadInfo);
  const detected = (info?.detected ?? []) as readonly Record<string, unknown>[];
  const gone = info?.gone ?? [];
  const now = useNow(15_000);
  return (
    <Card>
      <Group justify="space-between" mb="xs">
        <div>
          <Title order={4}>On this machine</Title>
          <Text size="sm" c="dimmed">
            Other runtimes Homeport can start or attach to. Their models join the endpoint with a prefix (ollama/…, lmstudio/…).
          </Text>
        </div>
        <Button size="xs" variant="default" loading={refreshing} onClick={() => void refresh()}>
          Look again
        </Button>
      </Group>
      {infoError && <ErrorNotice title="Could not list the runtimes" message={infoError.message} onRetry={() => void loadInfo()} />}
      <Table.ScrollContainer minWidth={640}>
        <Table aria-label="Runtimes found on this machine">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Runtime</Table.Th>
              <Table.Th>Installed</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Running</Table.Th>
              <Table.Th>Seen</Table.Th>
              <Table.Th>Usable</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            <Table.Tr>
              <Table.Td>Embedded llama.cpp</Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={ROLE_COLORS.ok}>
                  built in
                </Badge>
              </Table.Td>
              <Table.Td>node-llama-cpp</Table.Td>
              <Table.Td>one process per model</Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  inside Homeport
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={ROLE_COLORS.ok}>
                  yes
                </Badge>
              </Table.Td>
            </Table.Tr>
            {detected.map((d) => (
              <DetectedRow key={String(d.kind)} detection={d} now={now} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {gone.length > 0 && (
        <Alert color="yellow" variant="light" mt="sm" title="Models that went away" role="status">
          <Stack gap={2}>
            {gone.map((g) => {
              const sighting = describeSighting({ detectedAt: g.detectedAt, goneSince: g.goneSince, now, relative: formatRelativeTime, clock: formatClock });
              return (
                <Text key={g.id} size="sm">
                  <b>{g.id}</b> ({KIND_LABEL[g.runtime as keyof typeof KIND_LABEL] ?? g.runtime}): {sighting.text} · {sighting.detail}
                </Text>
              );
            })}
          </Stack>
        </Alert>
      )}
      {(info?.unavailable.length ?? 0) > 0 && (
        <Stack gap={4} mt="sm">
          {info!.unavailable.map((u) => (
            <Text key={`${u.runtime}-${u.model ?? ''}`} size="sm" c="dimmed">
              <b>{u.runtime}</b>
              {u.model ? ` · ${u.model}` : ''}: {u.reason}
            </Text>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function DetectedRow({ detection, now }: { readonly detection: Record<string, unknown>; readonly now: number }) {
  const text = (key: string) => (typeof detection[key] === 'string' ? (detection[key] as string) : '');
  const flag = (key: string, reasonKey: string, yes = 'yes', no = 'no') => (
    <Tooltip label={text(reasonKey) || (detection[key] ? yes : no)} multiline maw={360}>
      <Badge size="sm" variant={detection[key] ? 'light' : 'outline'} color={detection[key] ? ROLE_COLORS.ok : ROLE_COLORS.idle} tt="none">
        {detection[key] ? yes : no}
      </Badge>
    </Tooltip>
  );
  const kind = text('kind');
  return (
    <Table.Tr>
      <Table.Td>{KIND_LABEL[kind as keyof typeof KIND_LABEL] ?? kind}</Table.Td>
      <Table.Td>{flag('installed', 'installedReason')}</Table.Td>
      <Table.Td>{text('version') || NO_VALUE}</Table.Td>
      <Table.Td>{flag('running', 'runningReason', text('url') || 'yes')}</Table.Td>
      <Table.Td>
        <SightingCell detectedAt={text('detectedAt') || null} goneSince={text('goneSince') || null} now={now} />
      </Table.Td>
      <Table.Td>{flag('available', 'reason')}</Table.Td>
    </Table.Tr>
  );
}

/** "detected 2 minutes ago" or "gone since 14:03:22", with the longer story on hover. */
function SightingCell({ detectedAt, goneSince, now }: { readonly detectedAt: string | null; readonly goneSince: string | null; readonly now: number }) {
  const sighting = describeSighting({ detectedAt, goneSince, now, relative: formatRelativeTime, clock: formatClock });
  return (
    <Tooltip label={sighting.detail} multiline maw={360}>
      {sighting.tone === 'gone' ? (
        <Badge size="sm" variant="light" color={ROLE_COLORS.warn} tt="none" tabIndex={0}>
          {sighting.text}
        </Badge>
      ) : (
        <Text size="sm" c={sighting.tone === 'never' ? 'dimmed' : undefined} className="hp-figure" tabIndex={0}>
          {sighting.text}
        </Text>
      )}
    </Tooltip>
  );
}
