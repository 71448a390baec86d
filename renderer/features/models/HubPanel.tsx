/** Hugging Face: search GGUF repositories, see each file's fit on this machine, and download. */
import { useEffect, useState } from 'react';
import { Anchor, Badge, Box, Button, Card, Grid, Group, Loader, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import type { HubFilesView } from '../../../preload/contract.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { FitBadge } from '../../components/FitBadge.js';
import { formatBytes, formatCompact } from '../../lib/format.js';
import { downloadKey, useDownloads } from '../../stores/downloads.js';
import { useModels } from '../../stores/models.js';
import { DownloadRow } from './DownloadsList.js';

export function HubPanel() {
  const hub = useModels((s) => s.hub);
  const search = useModels((s) => s.searchHub);
  const [query, setQuery] = useState(hub.query);
  const [repo, setRepo] = useState<string | null>(null);
  useEffect(() => {
    if (!useModels.getState().hub.results) void search('');
  }, [search]);

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, md: 5 }}>
        <Card h="100%">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void search(query);
            }}
          >
            <Group align="flex-end" gap="xs" wrap="nowrap">
              <TextInput label="Search Hugging Face" placeholder="e.g. qwen2.5 7b instruct" value={query} onChange={(e) => setQuery(e.currentTarget.value)} style={{ flex: 1 }} />
              <Button type="submit" loading={hub.searching}>
                Search
              </Button>
            </Group>
          </form>
          {hub.error && (
            <ErrorNotice
              title="Hugging Face search failed"
              message={hub.error.message}
              hint={hub.error.code === 'hub_unreachable' ? 'Homeport searches huggingface.co from this machine: check its internet connection (or proxy), then try again. Models already on this machine are under My models.' : undefined}
              onRetry={() => void search(query)}
            />
          )}
          {/* A native scroller: the library's scroll area widens its content to the longest name, so long repository names would not be cut. */}
          <Box mah={560} mt="sm" style={{ overflowY: 'auto', overflowX: 'hidden' }}>
            {hub.results && hub.results.results.length === 0 ? (
              <EmptyState title="No GGUF repositories found">Try the model family alone (“qwen2.5”) or a publisher that converts models (“bartowski”, “unsloth”).</EmptyState>
            ) : (
              <Stack gap={2} role="list" aria-label="Search results">
                {(hub.results?.results ?? []).map((r) => (
                  // A list item holding a button: the item keeps its place in the list and the button stays a button (a keyboard and a screen reader both see it).
                  <div role="listitem" key={r.id}>
                    <UnstyledButton
                      onClick={() => setRepo(r.id)}
                      aria-current={repo === r.id ? 'true' : undefined}
                      p="xs"
                      w="100%"
                      style={{ borderRadius: 'var(--mantine-radius-sm)', background: repo === r.id ? 'var(--mantine-color-default-hover)' : undefined }}
                    >
                      <Text size="sm" fw={500} truncate>
                        {r.id}
                      </Text>
                      <Group gap="xs" className="hp-figure">
                        <Text size="xs" c="dimmed">
                          {formatCompact(r.downloads)} downloads · {formatCompact(r.likes)} likes
                        </Text>
                        {r.gated && (
                          <Badge size="xs" variant="light" color="yellow">
                            gated
                          </Badge>
                        )}
                      </Group>
                    </UnstyledButton>
                  </div>
                ))}
              </Stack>
            )}
          </Box>
        </Card>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 7 }}>
        <Card h="100%">{repo ? <RepoFiles repo={repo} /> : <EmptyState title="Pick a repository">Its GGUF files appear here, each with whether it fits this machine.</EmptyState>}</Card>
      </Grid.Col>
    </Grid>
  );
}

function RepoFiles({ repo }: { readonly repo: string }) {
  const entry = useModels((s) => s.hub.repos[repo]);
  const openRepo = useModels((s) => s.openRepo);
  useEffect(() => {
    if (!useModels.getState().hub.repos[repo]?.data) void openRepo(repo);
  }, [repo, openRepo]);
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={4}>{repo}</Title>
        <Anchor href={`https://huggingface.co/${repo}`} target="_blank" rel="noreferrer" size="sm">
          Open on huggingface.co
        </Anchor>
      </Group>
      {entry?.loading && <Loader size="sm" aria-label="Loading files" />}
      {entry?.error && <ErrorNotice title="Could not list the files" message={entry.error.message} onRetry={() => void openRepo(repo)} />}
      {entry?.data && <FileGroups files={entry.data} />}
    </Stack>
  );
}

function FileGroups({ files }: { readonly files: HubFilesView }) {
  const downloads = useDownloads((s) => s.downloads);
  const starting = useDownloads((s) => s.starting);
  const startErrors = useDownloads((s) => s.startErrors);
  const start = useDownloads((s) => s.start);
  const groups = files.groups.filter((g) => !g.projector);
  if (groups.length === 0) return <EmptyState title="No GGUF model files in this repository">It may hold the original weights only; look for a “-GGUF” repository of the same model.</EmptyState>;
  return (
    <Stack gap="sm" role="list" aria-label="Files">
      {groups.map((g) => {
        const file = g.files[0]!;
        const key = downloadKey(files.repo, file);
        const current = downloads.find((d) => d.repo === files.repo && d.file === file);
        const active = current && (current.state === 'downloading' || current.state === 'verifying' || current.state === 'cancelling' || current.state === 'done' || current.state === 'cancelled' || current.state === 'error');
        const name = g.key.split('/').pop() ?? g.key;
        return (
          <div key={g.key} role="listitem">
            <Group justify="space-between" wrap="nowrap" gap="sm">
              <div style={{ minWidth: 0 }}>
                <Text size="sm" fw={500} truncate title={g.key}>
                  {name}
                </Text>
                <Group gap={6} className="hp-figure">
                  {g.quant && (
                    <Badge size="xs" variant="outline" tt="none">
                      {g.quant}
                    </Badge>
                  )}
                  <Text size="xs" c="dimmed">
                    {formatBytes(g.totalSize)}
                    {g.split ? ` · ${g.split.count} parts` : ''}
                    {!g.complete ? ' · parts missing' : ''}
                  </Text>
                </Group>
              </div>
              <Group gap="xs" wrap="nowrap">
                {g.fit && <FitBadge verdict={g.fit.verdict} reason={g.fit.reason} rough />}
                {!active && (
                  <Button size="xs" loading={starting[key] ?? false} disabled={!g.complete} onClick={() => void start(files.repo, file)} aria-label={`Download ${name}`}>
                    Download
                  </Button>
                )}
              </Group>
            </Group>
            {startErrors[key] && (
              <Text size="xs" c="red" role="alert">
                {startErrors[key]!.message}
              </Text>
            )}
            {active && current && (
              <div style={{ marginTop: 6 }}>
                <DownloadRow download={current} />
              </div>
            )}
          </div>
        );
      })}
    </Stack>
  );
}
