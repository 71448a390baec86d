/** What the chosen setup would need and how fast it would run, from the fit API, updated as the sliders move. */
import { Group, Loader, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { FitBadge, layersDetail } from '../../components/FitBadge.js';
import { formatBytes, formatContext, formatTokPerSec, formatTokPerSecRange } from '../../lib/format.js';
import type { FitPreview } from '../../stores/models.js';
import { largestContext } from '../hardware/fit-rows.js';

export function FitPreviewPanel({ preview }: { readonly preview: FitPreview | undefined }) {
  if (!preview) return null;
  const fit = preview.fit?.fit ?? null;
  const prediction = preview.prediction;
  const largest = largestContext(fit);
  const memory = prediction?.predicted.memoryBytes ?? fit?.memory.totalBytes ?? null;
  const vram = prediction?.predicted.vramBytes ?? fit?.memory.vramBytes ?? null;
  const speed = prediction?.predicted.tokensPerSecond ?? preview.fit?.speed?.tokensPerSecond ?? null;
  return (
    <Paper p="sm" radius="md" aria-live="polite" aria-busy={preview.pending} aria-label="Predicted fit for this setup">
      <Group justify="space-between" mb={6}>
        <Text size="sm" fw={600}>
          With this setup
        </Text>
        <Group gap={6}>
          {preview.pending && <Loader size={14} aria-label="Updating prediction" />}
          {fit && <FitBadge verdict={fit.verdict} reason={fit.reason} detail={layersDetail(fit)} />}
        </Group>
      </Group>
      {preview.error && !fit ? (
        <ErrorNotice title="No prediction" message={preview.error.message} />
      ) : (
        <Stack gap={6}>
          <SimpleGrid cols={3} spacing="xs">
            <Figure label="Memory" value={formatBytes(memory)} hint={vram ? `${formatBytes(vram)} on the GPU` : 'all in RAM'} />
            <Figure label="Speed" value={formatTokPerSecRange(speed)} hint={prediction?.measured?.tokensPerSecond ? `measured ${formatTokPerSec(prediction.measured.tokensPerSecond)}` : 'predicted'} />
            <Figure label="Largest context" value={largest ? formatContext(largest.tokens) : '—'} hint={largest ? `on ${largest.where}` : 'does not fit'} />
          </SimpleGrid>
          {fit && (
            <Text size="xs" c="dimmed">
              {fit.reason}
            </Text>
          )}
          {fit?.warnings.map((w) => (
            <Text key={w} size="xs" c="yellow.8">
              {w}
            </Text>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

function Figure({ label, value, hint }: { readonly label: string; readonly value: string; readonly hint: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} className="hp-figure">
        {value}
      </Text>
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </div>
  );
}
