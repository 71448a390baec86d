/** Hardware: what this machine has, how busy it is, and what fits at a chosen context and slot count. */
import { useEffect } from 'react';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { HardwareView } from '../../../preload/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveChart } from '../../components/LiveChart.js';
import { StatCard } from '../../components/StatCard.js';
import { formatBytes, formatCount, formatPercent } from '../../lib/format.js';
import { hardwareLiveFeed, MAX_GPU_SERIES, useHardware } from '../../stores/hardware.js';
import { CHART_COLORS, ROLE_COLORS } from '../../theme.js';
import { FitTable } from './FitTable.js';

const formatPct = (v: number | null) => formatPercent(v);
const formatAxisPct = (v: number) => `${Math.round(v)}`;

export function HardwarePage() {
  const hardware = useHardware((s) => s.hardware);
  const error = useHardware((s) => s.hardwareError);
  const load = useHardware((s) => s.load);
  const refresh = useHardware((s) => s.refresh);
  const refreshing = useHardware((s) => s.refreshing);
  useEffect(() => void load(), [load]);
  useEffect(() => hardwareLiveFeed.acquire(), []);

  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={2}>Hardware</Title>
        <Button size="xs" variant="default" loading={refreshing} onClick={() => void refresh()}>
          Probe again
        </Button>
      </Group>
      {error && <ErrorNotice title="Could not read this machine's hardware" message={error.message} onRetry={() => void load()} />}
      {hardware && <Inventory hardware={hardware} />}
      <LiveUse gpuNames={hardware?.gpus.map((g) => g.model) ?? []} />
      <FitTable />
    </Stack>
  );
}

function Inventory({ hardware }: { readonly hardware: HardwareView }) {
  const { cpu, memory, gpus, os, bandwidth, budget } = hardware;
  const simd = [cpu.flags.avx512 && 'AVX-512', cpu.flags.avx2 && 'AVX2', cpu.flags.neon && 'NEON'].filter(Boolean).join(', ') || 'no AVX2';
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
      <StatCard label="CPU" value={`${formatCount(cpu.physicalCores)} cores`} hint={`${cpu.manufacturer} ${cpu.brand} · ${formatCount(cpu.logicalCores)} threads · ${simd}`} />
      <StatCard label="Memory" value={formatBytes(memory.totalBytes)} hint={`${formatBytes(memory.availableBytes)} available now · models may use ${formatBytes(budget.ramBytes)}`} />
      {gpus.length === 0 ? (
        <StatCard label="GPU" value="None" hint="No GPU the runtimes can use was found: models run on the CPU." badge={{ text: 'CPU only', color: ROLE_COLORS.idle }} />
      ) : (
        gpus.map((gpu, i) => (
          <StatCard
            key={`${gpu.model}-${i}`}
            label={gpus.length > 1 ? `GPU ${i + 1}` : 'GPU'}
            value={gpu.unifiedMemory ? 'Unified' : formatBytes(gpu.vramTotalBytes)}
            hint={`${gpu.model}${gpu.driverVersion ? ` · driver ${gpu.driverVersion}` : ''}${budget.vramBytes !== null ? ` · models may use ${formatBytes(budget.vramBytes)}` : ''}`}
            badge={{ text: gpu.vendor, color: ROLE_COLORS.busy }}
          />
        ))
      )}
      <StatCard
        label="Memory bandwidth"
        value={bandwidth ? `${bandwidth.cpuGBps.toFixed(0)} GB/s` : '—'}
        hint={
          bandwidth
            ? `${bandwidth.cpuSource.detail}${bandwidth.gpuGBps ? ` · GPU ${bandwidth.gpuGBps.toFixed(0)} GB/s` : ''}`
            : 'Not measured yet: press “Probe again” to measure it (a few seconds). Speed predictions need it.'
        }
      >
        <Group gap={4} mt={6}>
          <Badge size="xs" variant="outline" color="gray" tt="none">
            {os.distro || os.platform} {os.release} · {os.arch}
          </Badge>
        </Group>
      </StatCard>
    </SimpleGrid>
  );
}

function LiveUse({ gpuNames }: { readonly gpuNames: readonly string[] }) {
  const live = useHardware((s) => s.live);
  const version = useHardware((s) => s.liveVersion);
  const latest = useHardware((s) => s.latest);
  const gpus = (latest?.gpus ?? []).slice(0, MAX_GPU_SERIES);
  const series = [
    { label: 'RAM used', color: CHART_COLORS[0] },
    { label: 'CPU', color: CHART_COLORS[1] },
    ...gpus.map((g, i) => ({ label: `GPU ${gpuNames.length > 1 ? i + 1 : ''}`.trim(), color: CHART_COLORS[(i + 2) % CHART_COLORS.length]! })),
  ];
  return (
    <Card>
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={4}>Live use</Title>
        <Group gap="lg" className="hp-figure">
          <Text size="sm">
            RAM <b>{latest ? `${formatBytes(latest.ram.usedBytes)} of ${formatBytes(latest.ram.totalBytes)}` : '—'}</b>
          </Text>
          <Text size="sm">
            CPU <b>{formatPercent(latest?.cpuLoadPct)}</b>
          </Text>
          {gpus.map((g, i) => (
            <Text size="sm" key={`${g.model}-${i}`}>
              GPU <b>{formatPercent(g.utilizationPct)}</b>
              {g.vramUsedBytes !== null ? ` · ${formatBytes(g.vramUsedBytes)} VRAM` : ''}
            </Text>
          ))}
        </Group>
      </Group>
      <LiveChart title="Utilisation (%), last 10 minutes" data={live} version={version} series={series} formatValue={formatPct} formatAxis={formatAxisPct} yRange={[0, 100]} windowSec={600} height={200} />
      {!latest && (
        <Text size="sm" c="dimmed" mt="xs">
          Waiting for the first sample (the engine samples every 2 seconds while this page is open).
        </Text>
      )}
    </Card>
  );
}
