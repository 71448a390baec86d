/** What fits at a chosen context and slot count, and how the predictions compare with what was measured. */
import { useEffect } from 'react';
import { Card, Group, NumberInput, Select, Stack, Text, Title } from '@mantine/core';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { FitBadge, layersDetail } from '../../components/FitBadge.js';
import { VirtualTable, type Column } from '../../components/VirtualTable.js';
import { formatBytes, formatContext, formatSignedPercent, formatTokPerSec, formatTokPerSecRange, NO_VALUE } from '../../lib/format.js';
import { useShallow } from 'zustand/react/shallow';
import { useHardware } from '../../stores/hardware.js';
import { useReloadOnReconnect } from '../../stores/status.js';
import { fitRows, type FitRow } from './fit-rows.js';

export const CONTEXT_CHOICES = [2048, 4096, 8192, 16384, 32768, 65536, 131072];

const FIT_COLUMNS: readonly Column<FitRow>[] = [
  { key: 'name', header: 'Model', width: 'minmax(180px, 2fr)', render: (r) => <Text size="sm" truncate title={r.name}>{r.name}</Text> },
  { key: 'quant', header: 'Quant', width: '90px', render: (r) => r.quant ?? NO_VALUE },
  { key: 'size', header: 'Size', width: '90px', align: 'right', render: (r) => <span className="hp-figure">{formatBytes(r.sizeBytes)}</span> },
  { key: 'fit', header: 'Fit', width: '190px', render: (r) => <FitBadge verdict={r.fit.verdict} reason={r.fit.reason} detail={layersDetail(r.fit)} /> },
  { key: 'memory', header: 'Needs', width: '100px', align: 'right', render: (r) => <span className="hp-figure">{formatBytes(r.fit.memory.totalBytes)}</span> },
  {
    key: 'largest',
    header: 'Largest context',
    width: '150px',
    align: 'right',
    render: (r) => <span className="hp-figure">{r.largest ? `${formatContext(r.largest.tokens)} (${r.largest.where})` : r.error ? NO_VALUE : '…'}</span>,
  },
  { key: 'speed', header: 'Predicted speed', width: '170px', align: 'right', render: (r) => <span className="hp-figure">{formatTokPerSecRange(r.speed)}</span> },
];

const MEASURED_COLUMNS: readonly Column<FitRow>[] = [
  { key: 'name', header: 'Model', width: 'minmax(180px, 2fr)', render: (r) => <Text size="sm" truncate title={r.name}>{r.name}</Text> },
  {
    key: 'pmem',
    header: 'Memory predicted',
    width: '140px',
    align: 'right',
    render: (r) => <span className="hp-figure">{formatBytes(r.prediction?.predicted.memoryBytes)}</span>,
  },
  {
    key: 'mmem',
    header: 'Memory measured',
    width: '170px',
    align: 'right',
    render: (r) => <Measured value={formatBytes(r.prediction?.measured?.memoryBytes)} errorPct={r.prediction?.errorPct?.memory} />,
  },
  { key: 'ptps', header: 'Speed predicted', width: '170px', align: 'right', render: (r) => <span className="hp-figure">{formatTokPerSecRange(r.prediction?.predicted.tokensPerSecond)}</span> },
  {
    key: 'mtps',
    header: 'Speed measured',
    width: '170px',
    align: 'right',
    render: (r) => <Measured value={formatTokPerSec(r.prediction?.measured?.tokensPerSecond)} errorPct={r.prediction?.errorPct?.tokensPerSecond} />,
  },
  {
    key: 'when',
    header: 'Measured at',
    width: '150px',
    render: (r) =>
      r.prediction?.measured ? (
        <Text size="xs" c="dimmed">
          {formatContext(r.prediction.setup.contextSize)} ctx × {r.prediction.setup.slots}, {r.prediction.setup.gpuLayers} GPU layers
        </Text>
      ) : (
        <Text size="xs" c="dimmed">not measured yet</Text>
      ),
  },
];

export function FitTable() {
  const { setup, table, details, error, loading, setFitSetup } = useHardware(
    useShallow((s) => ({ setup: s.fitSetup, table: s.fitTable, details: s.details, error: s.fitError, loading: s.fitLoading, setFitSetup: s.setFitSetup })),
  );
  useEffect(() => {
    void setFitSetup(useHardware.getState().fitSetup);
  }, [setFitSetup]);
  useReloadOnReconnect(() => setFitSetup(useHardware.getState().fitSetup));
  const rows = fitRows(table, details);
  const empty = (
    <EmptyState title={loading ? 'Reading the library…' : 'No models in the library'} action={<a href="#/models">Find a model to download</a>}>
      Homeport looks for GGUF files in its models folder, the Hugging Face cache, LM Studio and Ollama.
    </EmptyState>
  );

  return (
    <Stack gap="lg">
      <Card>
        <Group justify="space-between" align="flex-end" mb="sm" wrap="wrap">
          <div>
            <Title order={4}>What fits</Title>
            <Text size="sm" c="dimmed">
              Each model in the library at this context and slot count: where it runs, the memory it needs and the largest context that fits.
            </Text>
          </div>
          <Group gap="sm">
            <Select
              label="Context per slot"
              w={140}
              size="xs"
              data={CONTEXT_CHOICES.map((c) => ({ value: String(c), label: `${formatContext(c)} tokens` }))}
              value={String(setup.ctx)}
              onChange={(value) => value && void setFitSetup({ ...setup, ctx: Number(value) })}
              allowDeselect={false}
            />
            <NumberInput label="Slots" w={90} size="xs" min={1} max={64} value={setup.slots} onChange={(value) => typeof value === 'number' && value >= 1 && void setFitSetup({ ...setup, slots: value })} />
          </Group>
        </Group>
        {error && <ErrorNotice title="Could not compute the fit" message={error.message} onRetry={() => void setFitSetup(setup)} />}
        <VirtualTable label="What fits" columns={FIT_COLUMNS} rows={rows} rowKey={(r) => r.id} empty={empty} />
      </Card>
      <Card>
        <Title order={4}>Predicted vs measured</Title>
        <Text size="sm" c="dimmed" mb="sm">
          Homeport measures memory and speed while a model serves requests and compares them with its prediction for the same setup.
        </Text>
        <VirtualTable label="Predicted vs measured" columns={MEASURED_COLUMNS} rows={rows} rowKey={(r) => r.id} empty={empty} />
      </Card>
    </Stack>
  );
}

/** A measured figure and how far it is from the prediction: "1.2 GiB (+4 %)". */
function Measured({ value, errorPct }: { readonly value: string; readonly errorPct: number | null | undefined }) {
  return (
    <span className="hp-figure">
      {value}
      {errorPct != null ? ` (${formatSignedPercent(errorPct)})` : ''}
    </span>
  );
}
