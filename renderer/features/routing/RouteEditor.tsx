/**
 * Routes and providers, edited as a draft and saved whole: the engine
 * validates the config and applies it without a restart; an error it ties to
 * a field shows under that field.
 */
import { Alert, Button, Card, Group, List, NumberInput, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea, Title } from '@mantine/core';
import { EmptyState } from '../../components/EmptyState.js';
import { useRouting, type ProviderDraft, type RouteDraft } from '../../stores/routing.js';
import { ROLE_COLORS } from '../../theme.js';

const POLICIES = [
  { value: 'prefer-local', label: 'Prefer this machine' },
  { value: 'local-only', label: 'This machine only' },
  { value: 'cloud-only', label: 'Network / cloud only' },
];

/** The engine's words for a field and anything under it (e.g. one target of a list). */
function errorAt(errors: Readonly<Record<string, string>>, path: string): string | undefined {
  const messages = Object.entries(errors)
    .filter(([key]) => key === path || key.startsWith(`${path}.`))
    .map(([key, message]) => {
      if (key === path) return message;
      const rest = key.slice(path.length + 1);
      // Targets are edited one per line: name the line, not the index.
      return /^\d+$/.test(rest) ? `Line ${Number(rest) + 1}: ${message}` : `${rest}: ${message}`;
    });
  return messages.length ? messages.join('; ') : undefined;
}

export function RouteEditor() {
  const draft = useRouting((s) => s.draft);
  const dirty = useRouting((s) => s.dirty);
  const saving = useRouting((s) => s.saving);
  const saveError = useRouting((s) => s.saveError);
  const saved = useRouting((s) => s.saved);
  const fieldErrors = useRouting((s) => s.fieldErrors);
  const warnings = useRouting((s) => s.warnings);
  const { addRoute, addProvider, discard, save } = useRouting.getState();

  return (
    <Card component="section" aria-label="Routes and providers">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={4}>Routes and providers</Title>
          <Text size="xs" c="dimmed">
            A route maps the model name an app asks for to targets tried in order: <code>local:model</code> or <code>provider:model</code>.
          </Text>
        </div>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={discard} disabled={!dirty || saving}>
            Discard changes
          </Button>
          <Button size="xs" onClick={() => void save()} loading={saving} disabled={!dirty}>
            Save and apply
          </Button>
        </Group>
      </Group>
      {saveError && (
        <Alert color="red" variant="light" mb="sm" role="alert" title="Not saved">
          {saveError.message}
        </Alert>
      )}
      {saved && !dirty && (
        <Text size="sm" c={ROLE_COLORS.ok} mb="sm" role="status">
          {saved}
        </Text>
      )}
      {warnings.length > 0 && (
        <Alert color={ROLE_COLORS.warn} variant="light" mb="sm" title={warnings.length === 1 ? 'One target is skipped for now' : `${warnings.length} targets are skipped for now`}>
          <List size="sm" spacing={4}>
            {warnings.map((warning) => (
              <List.Item key={warning}>{warning}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={5}>Routes</Title>
          <Button size="xs" variant="light" onClick={addRoute}>
            Add route
          </Button>
        </Group>
        {draft.routes.length === 0 && (
          <EmptyState title="No routes yet" action={<Button size="xs" variant="light" onClick={addRoute}>Add route</Button>}>
            Without a route, a model name goes to that model on this machine. Add one to fall back to another machine or a cloud when this one is busy or offline.
          </EmptyState>
        )}
        {draft.routes.map((entry, index) => (
          <RouteFields key={index} index={index} name={entry.name} route={entry.route} errors={fieldErrors} />
        ))}
        <Group justify="space-between" mt="sm">
          <Title order={5}>Providers</Title>
          <Button size="xs" variant="light" onClick={addProvider}>
            Add provider
          </Button>
        </Group>
        {draft.providers.length === 0 && (
          <Text size="sm" c="dimmed">
            No providers. A provider is any OpenAI-compatible server: a cloud (OpenAI, OpenRouter, Groq…) or a machine of yours on the network (Ollama, llama-server, vLLM). Keys are set under
            Settings → Secrets.
          </Text>
        )}
        {draft.providers.map((entry, index) => (
          <ProviderFields key={index} index={index} name={entry.name} provider={entry.provider} errors={fieldErrors} />
        ))}
      </Stack>
    </Card>
  );
}

function RouteFields({ index, name, route, errors }: { index: number; name: string; route: RouteDraft; errors: Readonly<Record<string, string>> }) {
  const { editRoute, removeRoute } = useRouting.getState();
  const base = `routes.${name}`;
  return (
    <Card withBorder padding="sm" component="fieldset" aria-label={`Route ${name}`} style={{ margin: 0 }}>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="sm">
        <TextInput label="Route name" description="The model name apps ask for" value={name} onChange={(e) => editRoute(index, { name: e.currentTarget.value })} error={errors[base] && !errors[`${base}.targets`] ? errors[base] : undefined} />
        <Select
          label="Policy"
          data={POLICIES}
          value={route.policy ?? 'prefer-local'}
          onChange={(v) => v && editRoute(index, { policy: v as RouteDraft['policy'] })}
          allowDeselect={false}
          error={errorAt(errors, `${base}.policy`)}
        />
        <NumberInput
          label="Max queue wait (ms)"
          description="Busier than this → next target"
          min={0}
          allowNegative={false}
          step={500}
          value={route.maxQueueWaitMs ?? 2000}
          onChange={(v) => editRoute(index, { maxQueueWaitMs: typeof v === 'number' ? v : Number(v) || 0 })}
          error={errorAt(errors, `${base}.maxQueueWaitMs`)}
        />
        <Stack gap={6} justify="flex-end">
          <Switch label="Cache answers" checked={route.cache?.enabled ?? true} onChange={(e) => editRoute(index, { cache: { allowSampling: route.cache?.allowSampling ?? false, enabled: e.currentTarget.checked } })} />
          <Switch
            label="Near-identical cache"
            checked={route.semanticCache !== undefined}
            onChange={(e) => editRoute(index, { semanticCache: e.currentTarget.checked ? { threshold: 0.95 } : undefined })}
          />
        </Stack>
      </SimpleGrid>
      <Textarea
        mt="sm"
        label="Targets, in order (one per line)"
        description="e.g. local:stories260K, den-pc:qwen2.5:14b, openai:gpt-4o-mini"
        autosize
        minRows={2}
        value={route.targets.join('\n')}
        onChange={(e) => editRoute(index, { targets: e.currentTarget.value.split('\n').map((t) => t.trim()).filter((t, i, all) => t || i === all.length - 1) })}
        error={errorAt(errors, `${base}.targets`)}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
      <Group justify="flex-end" mt="xs">
        <Button size="xs" variant="subtle" color="red" onClick={() => removeRoute(index)}>
          Remove route {name}
        </Button>
      </Group>
    </Card>
  );
}

function ProviderFields({ index, name, provider, errors }: { index: number; name: string; provider: ProviderDraft; errors: Readonly<Record<string, string>> }) {
  const { editProvider, removeProvider } = useRouting.getState();
  const base = `providers.${name}`;
  return (
    <Card withBorder padding="sm" component="fieldset" aria-label={`Provider ${name}`} style={{ margin: 0 }}>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 5 }} spacing="sm">
        <TextInput label="Provider name" value={name} onChange={(e) => editProvider(index, { name: e.currentTarget.value })} error={errors[base]} />
        <TextInput
          label="Base URL"
          placeholder="https://api.openai.com/v1"
          value={provider.baseUrl}
          onChange={(e) => editProvider(index, { baseUrl: e.currentTarget.value.trim() })}
          error={errorAt(errors, `${base}.baseUrl`)}
        />
        <Select
          label="Kind"
          data={[
            { value: 'cloud', label: 'Cloud (paid)' },
            { value: 'self-hosted', label: 'Self-hosted (LAN)' },
          ]}
          value={provider.kind ?? 'cloud'}
          onChange={(v) => v && editProvider(index, { kind: v as ProviderDraft['kind'] })}
          allowDeselect={false}
          error={errorAt(errors, `${base}.kind`)}
        />
        <TextInput
          label="Key secret"
          description="Secret name holding the key"
          placeholder={name}
          value={provider.apiKeySecret ?? ''}
          onChange={(e) => editProvider(index, { apiKeySecret: e.currentTarget.value.trim() || undefined })}
          error={errorAt(errors, `${base}.apiKeySecret`)}
        />
        <NumberInput
          label="Daily budget (US$)"
          placeholder="no cap"
          min={0}
          allowNegative={false}
          decimalScale={2}
          value={provider.dailyBudgetUsd ?? ''}
          onChange={(v) => editProvider(index, { dailyBudgetUsd: v === '' ? undefined : Number(v) })}
          error={errorAt(errors, `${base}.dailyBudgetUsd`)}
        />
      </SimpleGrid>
      <Group justify="flex-end" mt="xs">
        <Button size="xs" variant="subtle" color="red" onClick={() => removeProvider(index)}>
          Remove provider {name}
        </Button>
      </Group>
    </Card>
  );
}
