/** Where Homeport looks for models, what it could not read there, and files that are broken (with the reason). */
import { Badge, Button, Card, Code, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { LibraryView } from '../../../preload/contract.js';
import { formatBytes, formatRelativeTime } from '../../lib/format.js';
import { ROLE_COLORS } from '../../theme.js';

const SOURCE_WORDS: Record<string, string> = {
  'data-dir': 'Homeport models folder',
  folder: 'Added folder',
  'hf-cache': 'Hugging Face cache',
  lmstudio: 'LM Studio',
  ollama: 'Ollama',
};

export function LibraryFolders({ library, rescanning, onRescan }: { readonly library: LibraryView | null; readonly rescanning: boolean; readonly onRescan: () => void }) {
  return (
    <Stack gap="lg">
      <Card component="section" aria-label="Model folders">
        <Group justify="space-between" mb="xs">
          <div>
            <Title order={4}>Folders Homeport scans</Title>
            <Text size="sm" c="dimmed">
              {library ? `Last scanned ${formatRelativeTime(library.scannedAt)}.` : ''} Add more folders with <Code>modelFolders</Code> in config.json, or serve a file with{' '}
              <Code>--model</Code>.
            </Text>
          </div>
          <Button size="xs" variant="default" loading={rescanning} onClick={onRescan}>
            Scan again
          </Button>
        </Group>
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Model folders">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Source</Table.Th>
                <Table.Th>Path</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(library?.roots ?? []).map((root) => (
                <Table.Tr key={`${root.kind}:${root.path}`}>
                  <Table.Td>{SOURCE_WORDS[root.kind] ?? root.kind}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {root.path}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant={root.status === 'missing' ? 'outline' : 'light'} color={root.status === 'scanned' ? ROLE_COLORS.ok : root.status === 'missing' ? ROLE_COLORS.idle : ROLE_COLORS.bad} title={root.detail}>
                      {root.status === 'missing' ? 'not there' : root.status}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      <Card component="section" aria-label="Broken files">
        <Title order={4} mb="xs">
          Files that cannot be used
        </Title>
        {(library?.broken.length ?? 0) === 0 && (library?.skipped.length ?? 0) === 0 ? (
          <Text size="sm" c="dimmed">
            None: every GGUF file found could be read.
          </Text>
        ) : (
          <Stack gap="xs">
            {library!.broken.map((b) => (
              <div key={b.files[0] ?? b.displayName}>
                <Group gap="xs">
                  <Text size="sm" fw={500}>
                    {b.displayName}
                  </Text>
                  <Text size="xs" c="dimmed" className="hp-figure">
                    {formatBytes(b.sizeBytes)}
                  </Text>
                </Group>
                <Text size="sm" c="red">
                  {b.reason}
                </Text>
                <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                  {b.files.join(', ')}
                </Text>
              </div>
            ))}
            {library!.skipped.map((s) => (
              <div key={s.path}>
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {s.path}
                </Text>
                <Text size="xs" c="dimmed">
                  Skipped ({s.kind}): {s.reason}
                </Text>
              </div>
            ))}
          </Stack>
        )}
      </Card>
    </Stack>
  );
}
