/** Hardware: what this machine has, how busy it is, and what fits at a chosen context and slot count. */
import { useEffect } from 'react';
import { Badge, Button, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { HardwareView } from '../../../preload/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { LiveChart } from '../../components/LiveChart.js';
import { StatCard } from '../../components/StatCard.js';
import { formatBytes, formatCount, formatPercent } from '../../lib/format.js';
import { hardwareLiveFeed, LIVE_POINTS, MAX_GPU_SERIES, useHardware } from '../../stores/hardware.js';
import { useReloadOnReconnect } from '../../stores/status.js';
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
  useReloadOnReconnect(load);
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
  const gpuLabel = (i: number) => `GPU ${gpuNames.length > 1 ? i + 1 : ''}`.trim();
  const series = [
    { label: 'RAM used', color: CHART_COLORS[0] },
    { label: 'CPU', color: CHART_COLORS[1] },
    ...gpus.map((g, i) => ({ label: gpuLabel(i), color: CHART_COLORS[(i + 2) % CHART_COLORS.length]! })),
  ];
  const ramPct = latest && latest.ram.totalBytes > 0 ? (latest.ram.usedBytes / latest.ram.totalBytes) * 100 : null;
  const samples = live.length;
  return (
    <Card component="section" aria-label="Live use">
      <Group justify="space-between" mb="sm" wrap="wrap">
        <Title order={4}>Live use</Title>
        <Text size="xs" c="dimmed" className="hp-figure">
          {samples === 0 ? 'Waiting for the first sample…' : samples < LIVE_POINTS ? `${formatCount(samples)} ${samples === 1 ? 'sample' : 'samples'} so far · one every 2 s` : 'Last 10 minutes · one sample every 2 s'}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 + Math.min(gpus.length, 2) }} mb="md">
        <UsageMeter label="RAM used" pct={ramPct} color={CHART_COLORS[0]!} detail={latest ? `${formatBytes(latest.ram.usedBytes)} of ${formatBytes(latest.ram.totalBytes)} · ${formatBytes(latest.ram.availableBytes)} free` : 'No sample yet'} />
        <UsageMeter label="CPU" pct={latest?.cpuLoadPct ?? null} color={CHART_COLORS[1]!} detail={latest ? 'Whole machine, all cores' : 'No sample yet'} />
        {gpus.map((g, i) => (
          <UsageMeter
            key={`${g.model}-${i}`}
            label={gpuLabel(i)}
            pct={g.utilizationPct}
            color={CHART_COLORS[(i + 2) % CHART_COLORS.length]!}
            detail={g.vramUsedBytes !== null ? `${formatBytes(g.vramUsedBytes)} VRAM in use` : g.model}
          />
        ))}
      </SimpleGrid>
      <LiveChart title="Utilisation (%), last 10 minutes" data={live} version={version} series={series} formatValue={formatPct} formatAxis={formatAxisPct} yRange={[0, 100]} windowSec={600} height={200} />
    </Card>
  );
}

/** The newest sample of one figure as a number and a bar: meaningful from the first sample on. */
function UsageMeter({ label, pct, color, detail }: { readonly label: string; readonly pct: number | null; readonly color: string; readonly detail: string }) {
  return (
    <div>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Text size="lg" fw={700} className="hp-figure">
          {formatPercent(pct)}
        </Text>
      </Group>
      <Progress value={pct ?? 0} color={color} size="md" mt={4} aria-label={`${label} ${formatPercent(pct)}`} transitionDuration={300} />
      <Text size="xs" c="dimmed" mt={4} className="hp-figure">
        {detail}
      </Text>
    </div>
  );
}
