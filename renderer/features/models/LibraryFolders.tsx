/** Where Homeport looks for models, what it could not read there, and files that are broken (with the reason). */
import { useState } from 'react';
import { ActionIcon, Alert, Badge, Button, Card, Group, Loader, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import type { ContractError, LibraryView, Result } from '../../../preload/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatBytes, formatRelativeTime } from '../../lib/format.js';
import { ROLE_COLORS } from '../../theme.js';
import { folderOutcome, type FolderOutcome } from './folder-outcome.js';

const TONE_COLOR: Record<FolderOutcome['tone'], string> = { ok: ROLE_COLORS.ok, warn: ROLE_COLORS.warn, bad: ROLE_COLORS.bad };

const SOURCE_WORDS: Record<string, string> = {
  'data-dir': 'Homeport models folder',
  folder: 'Added folder',
  served: 'Folder of a served model',
  'hf-cache': 'Hugging Face cache',
  lmstudio: 'LM Studio',
  ollama: 'Ollama',
};

export interface LibraryFoldersProps {
  readonly library: LibraryView | null;
  readonly rescanning: boolean;
  readonly onRescan: () => void;
  /** Folders the user added (null until read). */
  readonly folders: readonly string[] | null;
  readonly foldersError: ContractError | null;
  readonly savingFolders: boolean;
  /** Saves the list and scans again; resolves once the scan is done, with the list as saved. */
  readonly onSaveFolders: (folders: readonly string[]) => Promise<Result<{ readonly folders: readonly string[] }>>;
}

export function LibraryFolders({ library, rescanning, onRescan, folders, foldersError, savingFolders, onSaveFolders }: LibraryFoldersProps) {
  return (
    <Stack gap="lg">
      <YourFolders folders={folders} error={foldersError} saving={savingFolders} rescanning={rescanning} library={library} onSave={onSaveFolders} />
      <Card component="section" aria-label="Model folders">
        <Group justify="space-between" mb="xs">
          <div>
            <Title order={4}>Folders Homeport scans</Title>
            <Text size="sm" c="dimmed">
              {library ? `Last scanned ${formatRelativeTime(library.scannedAt)}.` : ''} The usual places are always scanned; add your own above.
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

/**
 * The folders the user added to the scan: add one by its path, remove one,
 * each change saved and scanned at once. Adding moves the path from the box
 * to the list at once (shown there once, marked as being added, while it is
 * saved and scanned); then what the scan found there (or why it could not
 * read it) is said next to it. A refused path leaves the list and goes back
 * into the box, with the reason under it, to be fixed.
 */
function YourFolders({
  folders,
  error,
  saving,
  rescanning,
  library,
  onSave,
}: {
  readonly folders: readonly string[] | null;
  readonly error: ContractError | null;
  readonly saving: boolean;
  readonly rescanning: boolean;
  readonly library: LibraryView | null;
  readonly onSave: (folders: readonly string[]) => Promise<Result<{ readonly folders: readonly string[] }>>;
}) {
  const [draft, setDraft] = useState('');
  /** The folder being added and scanned now. */
  const [adding, setAdding] = useState<string | null>(null);
  /** The folder added last, whose outcome is said below the box. */
  const [added, setAdded] = useState<string | null>(null);
  const [duplicate, setDuplicate] = useState<string | null>(null);
  const list = folders ?? [];
  // The folder being added is listed from the moment it is sent, and once: the saved list has it too before its scan ends.
  const shown = adding !== null && !list.includes(adding) ? [...list, adding] : list;
  const busy = saving || rescanning || adding !== null;
  const add = async () => {
    const path = draft.trim();
    if (!path || busy) return;
    if (list.includes(path)) {
      setDuplicate(path);
      return;
    }
    setDuplicate(null);
    setAdded(null);
    setAdding(path);
    setDraft('');
    const result = await onSave([...list, path]);
    setAdding(null);
    if (result.ok) setAdded(result.data.folders.find((f) => !list.includes(f)) ?? path);
    else setDraft(path);
  };
  const outcome = added && !rescanning ? folderOutcome(added, library) : null;
  return (
    <Card component="section" aria-label="Your model folders">
      <Title order={4}>Your model folders</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Folders with .gguf files you keep elsewhere. Homeport scans them with the usual places; a change is saved and scanned at once.
      </Text>
      {shown.length === 0 ? (
        <Text size="sm" mb="sm">
          None yet: add the full path of a folder below.
        </Text>
      ) : (
        <Stack gap={4} mb="sm">
          {shown.map((folder) => {
            const state = rescanning || folder === adding ? null : folderOutcome(folder, library);
            return (
              <Group key={folder} gap="xs" wrap="nowrap" justify="space-between">
                <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                  {folder}
                </Text>
                <Group gap={4} wrap="nowrap">
                  {folder === adding && (
                    <Badge size="sm" variant="outline" color={ROLE_COLORS.idle} aria-label={`${folder}: being added`}>
                      adding…
                    </Badge>
                  )}
                  {state && (
                    <Tooltip label={state.message} multiline w={320}>
                      <Badge size="sm" variant="light" color={TONE_COLOR[state.tone]} aria-label={`${folder}: ${state.label}`}>
                        {state.label}
                      </Badge>
                    </Tooltip>
                  )}
                  <Tooltip label="Stop scanning this folder (its files stay on disk)">
                    <ActionIcon variant="subtle" color="red" aria-label={`Remove folder ${folder}`} disabled={busy} onClick={() => void onSave(list.filter((f) => f !== folder))}>
                      ×
                    </ActionIcon>
                  </Tooltip>
                </Group>
              </Group>
            );
          })}
        </Stack>
      )}
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <TextInput
          aria-label="Folder to add"
          placeholder="/home/you/models"
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void add();
          }}
          disabled={busy}
          error={
            duplicate ? `${duplicate} is already in the list.` : error?.param === 'folders' || error?.param?.startsWith('folders.') ? `${sentence(error.message)} Fix the path and add it again.` : undefined
          }
          style={{ flex: 1 }}
        />
        <Button variant="light" onClick={() => void add()} loading={busy} disabled={!draft.trim()}>
          Add folder
        </Button>
      </Group>
      {busy ? (
        <Group gap="xs" mt="sm" role="status" aria-live="polite">
          <Loader size="xs" />
          <Text size="sm">{adding ? 'Saving the new folder and scanning it for models…' : 'Scanning the folders for models…'}</Text>
        </Group>
      ) : (
        outcome && (
          <Alert mt="sm" variant="light" color={TONE_COLOR[outcome.tone]} role={outcome.tone === 'bad' ? 'alert' : 'status'} title={outcome.tone === 'ok' ? 'Folder added' : outcome.tone === 'warn' ? 'Folder added, nothing found' : 'Folder added, but it cannot be scanned'}>
            {outcome.message}
          </Alert>
        )
      )}
      {error && !(error.param === 'folders' || error.param?.startsWith('folders.')) && <ErrorNotice title="Could not change the folders" message={error.message} />}
    </Card>
  );
}

/** The engine's words as a sentence: a capital first letter and a full stop ("each folder must be…" reads as a fragment). */
export function sentence(words: string): string {
  const trimmed = words.trim().replace(/\.+$/, '');
  return trimmed ? `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.` : '';
}
