/**
 * App keys for the endpoint: who may call /v1, each app under its own name in
 * the request log, optionally limited to some models. A new key is shown once
 * (the engine keeps only its hash); the list shows names and prefixes only.
 */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Card, Code, Group, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import type { AppKeyRecord } from '../../../preload/contract.js';
import { CopyButton } from '../../components/CopyButton.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatRelativeTime } from '../../lib/format.js';
import { useAppKeys } from '../../stores/app-keys.js';
import { useReloadOnReconnect } from '../../stores/status.js';
import { ROLE_COLORS } from '../../theme.js';

export function AppKeysSection() {
  const keys = useAppKeys((s) => s.keys);
  const required = useAppKeys((s) => s.required);
  const loadError = useAppKeys((s) => s.loadError);
  const load = useAppKeys((s) => s.load);
  useEffect(() => void load(), [load]);
  useReloadOnReconnect(load);

  return (
    <Card component="section" aria-label="App keys">
      <Group justify="space-between" align="flex-start">
        <Title order={4}>App keys</Title>
        {keys !== null && (
          <Badge variant={required ? 'light' : 'outline'} color={required ? ROLE_COLORS.warn : ROLE_COLORS.idle} tt="none">
            {required ? 'apps need a key' : 'open to apps on this machine'}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        With no key, any program on this machine can use the endpoint. Once a key exists, every request to <Code>/v1</Code> must send one as its API key (the
        panel keeps working), apps on your network can be let in, and the Routing page names each app.
      </Text>
      {loadError && <ErrorNotice title="Could not list the app keys" message={loadError.message} onRetry={() => void load()} />}
      <Stack gap="md">
        <CreatedKeyNotice />
        <CreateKeyForm firstKey={keys !== null && keys.length === 0} />
        {keys !== null && (keys.length === 0 ? <Text size="sm">No app keys yet.</Text> : <KeyTable keys={keys} />)}
      </Stack>
    </Card>
  );
}

function CreateKeyForm({ firstKey }: { readonly firstKey: boolean }) {
  const [name, setName] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const names = useAppKeys((s) => s.names);
  const creating = useAppKeys((s) => s.creating);
  const error = useAppKeys((s) => s.createError);
  const create = useAppKeys((s) => s.create);
  const trimmed = name.trim();
  const submit = async () => {
    if (!trimmed || creating) return;
    const result = await create(trimmed, models);
    if (result.ok) {
      setName('');
      setModels([]);
    }
  };
  return (
    <form
      aria-label="Create an app key"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Group align="flex-start" gap="sm" wrap="wrap">
        <TextInput
          label="App name"
          description="How the request log names this app."
          placeholder="notes-app"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={error?.message}
          autoComplete="off"
          w={240}
        />
        <TagsInput
          label="Only these models"
          description="Empty: every model and route."
          placeholder={models.length ? '' : 'All models'}
          data={names}
          value={models}
          onChange={setModels}
          clearable
          w={340}
        />
        <Button type="submit" mt={42} disabled={!trimmed} loading={creating}>
          Create key
        </Button>
      </Group>
      {firstKey && (
        <Text size="xs" c="dimmed" mt={6}>
          The first key switches the endpoint to keys: apps that send none (or a made-up one) get 401 until you give them theirs.
        </Text>
      )}
    </form>
  );
}

/** The key just created, once, with a copy button; gone when dismissed or when the page is left. */
function CreatedKeyNotice() {
  const created = useAppKeys((s) => s.created);
  const dismiss = useAppKeys((s) => s.dismissCreated);
  useEffect(() => dismiss, [dismiss]);
  if (!created) return null;
  return (
    <Stack gap="xs">
      <Alert color={ROLE_COLORS.ok} variant="light" title={`Key for “${created.name}”: copy it now`} role="status">
        <Group gap="xs" wrap="nowrap" mb={6}>
          <Code style={{ wordBreak: 'break-all' }} aria-label={`New key for ${created.name}`}>
            {created.key}
          </Code>
          <CopyButton value={created.key} what={`key for ${created.name}`} withLabel />
        </Group>
        <Text size="sm">It is shown only this once: Homeport keeps only a hash of it. Put it in the app as its API key.</Text>
        <Button size="xs" variant="default" mt="sm" onClick={dismiss}>
          Done
        </Button>
      </Alert>
      {created.warnings.length > 0 && (
        <Alert color={ROLE_COLORS.warn} variant="light" title={`Check the model list of ${created.name}`} role="status">
          {created.warnings.map((warning) => (
            <Text key={warning} size="sm">
              {warning}
            </Text>
          ))}
        </Alert>
      )}
    </Stack>
  );
}

function KeyTable({ keys }: { readonly keys: readonly AppKeyRecord[] }) {
  return (
    <Table striped highlightOnHover verticalSpacing={6} aria-label="App keys">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>App</Table.Th>
          <Table.Th>Key</Table.Th>
          <Table.Th>Created</Table.Th>
          <Table.Th>Models</Table.Th>
          <Table.Th aria-label="Actions" />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {keys.map((key) => (
          <KeyRow key={key.name} record={key} />
        ))}
      </Table.Tbody>
    </Table>
  );
}

function KeyRow({ record }: { readonly record: AppKeyRecord }) {
  const [confirming, setConfirming] = useState(false);
  const busy = useAppKeys((s) => s.revoking[record.name] ?? false);
  const error = useAppKeys((s) => s.revokeErrors[record.name]);
  const revoke = useAppKeys((s) => s.revoke);
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {record.name}
        </Text>
      </Table.Td>
      <Table.Td>
        <Code>{record.prefix}…</Code>
      </Table.Td>
      <Table.Td>
        <Text size="sm" title={record.createdAt}>
          {formatRelativeTime(record.createdAt)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{record.models?.length ? record.models.join(', ') : 'all'}</Text>
      </Table.Td>
      <Table.Td>
        {confirming ? (
          <Group gap={6} wrap="nowrap" justify="flex-end">
            <Button size="xs" color="red" loading={busy} onClick={() => void revoke(record.name)} aria-label={`Revoke ${record.name} now`}>
              Revoke now
            </Button>
            <Button size="xs" variant="default" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </Button>
          </Group>
        ) : (
          <Group justify="flex-end">
            <Button size="xs" variant="default" color="red" onClick={() => setConfirming(true)} aria-label={`Revoke ${record.name}`}>
              Revoke
            </Button>
          </Group>
        )}
        {confirming && !busy && !error && (
          <Text size="xs" c="dimmed" ta="right" mt={2}>
            Apps using it get 401 at once.
          </Text>
        )}
        {error && (
          <Text size="xs" c="red" ta="right" mt={2} role="alert">
            {error.message}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
