/** Cloud provider keys and the Hugging Face token: write-only (the panel only ever learns set / not set). */
import { useState } from 'react';
import { Alert, Badge, Button, Card, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import type { SecretProtection, SecretView } from '../../../preload/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { providerFacts } from '../overview/tier-summary.js';
import { useSettings } from '../../stores/settings.js';
import { ROLE_COLORS } from '../../theme.js';
import { hfTokenWarning } from './token-shape.js';

export const HF_TOKEN_SECRET = 'huggingface-token';

const PROTECTION_WORDS: Record<SecretProtection, string> = {
  os: 'kept in the system keychain',
  file: 'kept in a file only your user can read',
  weak: 'only obfuscated: this system has no keychain Homeport can use',
};

/** Secrets to show: the engine's list, with the Hugging Face token always present. */
export function secretRows(secrets: readonly SecretView[] | null): SecretView[] {
  const rows = [...(secrets ?? [])];
  if (!rows.some((s) => s.name === HF_TOKEN_SECRET)) rows.push({ name: HF_TOKEN_SECRET, set: false, env: ['HF_TOKEN'] });
  return rows.sort((a, b) => (a.name === HF_TOKEN_SECRET ? 1 : b.name === HF_TOKEN_SECRET ? -1 : a.name.localeCompare(b.name)));
}

export function SecretsSection() {
  const secrets = useSettings((s) => s.secrets);
  const secretsError = useSettings((s) => s.secretsError);
  const providers = useSettings((s) => s.providers);
  const load = useSettings((s) => s.load);
  const storage = useSettings((s) => s.view?.secretStorage ?? null);
  const rows = secretRows(secrets);
  const weak = storage?.protection === 'weak';
  const usedBy = new Map<string, string[]>();
  for (const provider of providers ?? []) {
    const secret = typeof provider.apiKey?.secret === 'string' ? provider.apiKey.secret : null;
    if (secret) usedBy.set(secret, [...(usedBy.get(secret) ?? []), providerFacts(provider).name]);
  }

  return (
    <Card component="section" aria-label="Keys and tokens">
      <Title order={4}>Keys and tokens</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Keys are sent to the engine and never shown again: the panel only knows whether each one is set. Providers themselves are set up on the Routing page.
      </Text>
      {weak && (
        <Alert color="yellow" variant="light" title="Keys are not really protected on this system" mb="sm" role="alert">
          {storage?.detail ?? 'The system keychain is not available (Linux “basic_text” storage), so keys are only obfuscated on disk.'} Anyone who can read your files can read
          them. Install and unlock a keyring (GNOME Keyring or KWallet) to protect them.
        </Alert>
      )}
      {storage && !weak && (
        <Text size="xs" c="dimmed" mb="sm">
          {/* The engine's detail says where, in full ("A file readable only by you (…); not encrypted."); the short words are for when it does not. */}
          {storage.detail || `Keys are ${PROTECTION_WORDS[storage.protection]}.`}
        </Text>
      )}
      {secretsError && <ErrorNotice title="Could not list the keys" message={secretsError.message} onRetry={() => void load()} />}
      <Stack gap="sm">
        {rows.map((secret) => (
          <SecretRow key={secret.name} secret={secret} usedBy={usedBy.get(secret.name) ?? []} />
        ))}
      </Stack>
    </Card>
  );
}

function SecretRow({ secret, usedBy }: { readonly secret: SecretView; readonly usedBy: readonly string[] }) {
  const [value, setValue] = useState('');
  const busy = useSettings((s) => s.secretBusy[secret.name] ?? false);
  const error = useSettings((s) => s.secretErrors[secret.name]);
  const setSecret = useSettings((s) => s.setSecret);
  const deleteSecret = useSettings((s) => s.deleteSecret);
  const label = secret.name === HF_TOKEN_SECRET ? 'Hugging Face token' : `${secret.name} key`;
  // A key never holds spaces: a pasted one loses its stray spaces and line breaks, and spaces alone are nothing to save.
  const key = value.trim();
  const warning = secret.name === HF_TOKEN_SECRET ? hfTokenWarning(value) : null;
  const save = async () => {
    if (!key) return;
    const result = await setSecret(secret.name, key);
    if (result.ok) setValue('');
  };
  return (
    <div>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <PasswordInput
          label={label}
          description={
            secret.name === HF_TOKEN_SECRET
              ? 'For gated and private repositories (huggingface.co → Settings → Access Tokens, read access).'
              : [usedBy.length ? `Used by ${usedBy.join(', ')}.` : '', secret.env.length ? `Or set ${secret.env.join(' / ')} in the environment.` : ''].filter(Boolean).join(' ') || undefined
          }
          placeholder={secret.set ? 'Set — type to replace it' : 'Not set'}
          value={value}
          onChange={(e) => setValue(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && key) void save();
          }}
          autoComplete="off"
          w={360}
        />
        <Button size="sm" disabled={!key} loading={busy} onClick={() => void save()} aria-label={`Save ${label}`}>
          Save
        </Button>
        {secret.set && (
          <Button size="sm" variant="default" color="red" disabled={busy} onClick={() => void deleteSecret(secret.name)} aria-label={`Remove ${label}`}>
            Remove
          </Button>
        )}
        <Badge variant={secret.set ? 'light' : 'outline'} color={secret.set ? ROLE_COLORS.ok : ROLE_COLORS.idle} mb={8} tt="none">
          {secret.set ? (secret.source === 'env' ? 'set by the environment' : 'set') : 'not set'}
        </Badge>
      </Group>
      {warning && (
        // A status, read out as it appears: a warning, not a block (Save stays on).
        <Alert variant="light" color={ROLE_COLORS.warn} p="xs" mt={6} maw={560} role="status">
          <Text size="sm">{warning}</Text>
        </Alert>
      )}
      {error && (
        <Text size="sm" c="red" mt={4} role="alert">
          {error.message}
        </Text>
      )}
    </div>
  );
}
