/** Downloads: progress (bytes, rate, time left), cancel, resume after a cancel or an error, and where a finished one went. */
import { Button, Card, Group, Progress, Stack, Text, Title } from '@mantine/core';
import type { DownloadView } from '../../../preload/contract.js';
import { formatBytes, formatDuration, formatRate, formatRatio } from '../../lib/format.js';
import { useDownloads } from '../../stores/downloads.js';
import { ROLE_COLORS } from '../../theme.js';

const STATE_WORDS: Record<DownloadView['state'], string> = {
  downloading: 'Downloading',
  verifying: 'Checking the file',
  cancelling: 'Cancelling',
  done: 'Done',
  error: 'Failed',
  cancelled: 'Cancelled',
};

export function DownloadsList({ onShowModel }: { readonly onShowModel?: (id: string) => void }) {
  const downloads = useDownloads((s) => s.downloads);
  const listError = useDownloads((s) => s.listError);
  if (downloads.length === 0 && !listError) return null;
  return (
    <Card component="section" aria-label="Downloads">
      <Title order={4} mb="sm">
        Downloads
      </Title>
      {listError && (
        <Text size="sm" c="red">
          Could not list the downloads: {listError.message}
        </Text>
      )}
      <Stack gap="md">
        {downloads.map((d) => (
          <DownloadRow key={d.id} download={d} onShowModel={onShowModel} />
        ))}
      </Stack>
    </Card>
  );
}

export function DownloadRow({ download, onShowModel }: { readonly download: DownloadView; readonly onShowModel?: (id: string) => void }) {
  const cancel = useDownloads((s) => s.cancel);
  const start = useDownloads((s) => s.start);
  const cancelError = useDownloads((s) => s.cancelErrors[download.id]);
  const p = download.progress;
  const share = p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : download.state === 'done' ? 1 : 0;
  const running = download.state === 'downloading' || download.state === 'verifying' || download.state === 'cancelling';
  const color = download.state === 'error' ? ROLE_COLORS.bad : download.state === 'done' ? ROLE_COLORS.ok : download.state === 'cancelled' ? ROLE_COLORS.idle : undefined;
  const name = download.file.split('/').pop() ?? download.file;
  return (
    <div>
      <Group justify="space-between" wrap="nowrap" gap="sm">
        <div style={{ minWidth: 0 }}>
          <Text size="sm" fw={600} truncate title={`${download.repo}/${download.file}`}>
            {name}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {download.repo}
          </Text>
        </div>
        <Group gap="xs" wrap="nowrap">
          {running && (
            <Button size="xs" variant="default" disabled={download.state === 'cancelling'} onClick={() => void cancel(download.id)} aria-label={`Cancel download of ${name}`}>
              Cancel
            </Button>
          )}
          {(download.state === 'cancelled' || download.state === 'error') && (
            <Button size="xs" variant="light" onClick={() => void start(download.repo, download.file)} aria-label={`Resume download of ${name}`}>
              Resume
            </Button>
          )}
          {download.state === 'done' && download.result?.modelIds[0] && onShowModel && (
            <Button size="xs" variant="light" onClick={() => onShowModel(download.result!.modelIds[0]!)}>
              Show model
            </Button>
          )}
        </Group>
      </Group>
      {/* Mantine writes its own "N%" aria-valuetext on the section; the state word matters more to a screen reader. */}
      <Progress.Root size="md" mt={6}>
        <Progress.Section
          value={share * 100}
          color={color}
          animated={download.state === 'downloading' || download.state === 'verifying'}
          striped={download.state === 'verifying'}
          withAria={false}
          role="progressbar"
          aria-label={`Download of ${name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(share * 100)}
          aria-valuetext={`${STATE_WORDS[download.state]}, ${formatRatio(share)}`}
        />
      </Progress.Root>
      <Group justify="space-between" mt={4} className="hp-figure">
        <Text size="xs" c={download.state === 'error' ? 'red' : 'dimmed'}>
          {STATE_WORDS[download.state]}
          {download.state === 'error' && download.error ? `: ${download.error.message}` : ''}
          {download.state === 'cancelled' ? ' — the partial file is kept; Resume continues where it stopped.' : ''}
          {download.state === 'done' && download.result?.broken.length ? ` — but it cannot be used: ${download.result.broken[0]!.reason}` : ''}
        </Text>
        <Text size="xs" c="dimmed">
          {p ? `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} · ${formatRatio(share)}` : ''}
          {running && p && p.rateBytesPerSec > 0 ? ` · ${formatRate(p.rateBytesPerSec)} · ${p.etaSec === null ? '' : `${formatDuration(p.etaSec)} left`}` : ''}
        </Text>
      </Group>
      {cancelError && (
        <Text size="xs" c="red">
          Could not cancel: {cancelError.message}
        </Text>
      )}
    </div>
  );
}
