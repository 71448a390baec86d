/** Settings: server, memory and idle unloading, cache, privacy, budgets, keys, desktop and theme. Each control saves on its own. */
import { useEffect } from 'react';
import { Alert, Anchor, Badge, Card, Center, Code, Group, Loader, SegmentedControl, Stack, Switch, Text, Title, useMantineColorScheme } from '@mantine/core';
import type { AppSettings, SettingsPatch, ThemePreference } from '../../../preload/contract.js';
import { CacheOffBadge } from '../../components/CacheOffBadge.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatUsd } from '../../lib/format.js';
import { useShallow } from 'zustand/react/shallow';
import { useSettings } from '../../stores/settings.js';
import { useReloadOnReconnect, useStatus } from '../../stores/status.js';
import { providerFacts } from '../overview/tier-summary.js';
import { useHardware } from '../../stores/hardware.js';
import { machineMemoryBytes, memoryBudgetWords } from './memory-budget.js';
import { SavedNumber } from './SavedNumber.js';
import { SecretsSection } from './SecretsSection.js';
import { AppKeysSection } from './AppKeysSection.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export function SettingsPage() {
  const { view, loadError, load, saved, saveError } = useSettings(useShallow((s) => ({ view: s.view, loadError: s.loadError, load: s.load, saved: s.saved, saveError: s.saveError })));
  useEffect(() => void load(), [load]);
  useReloadOnReconnect(load);

  return (
    <Stack gap="lg" maw={920}>
      <Group justify="space-between">
        <Title order={2}>Settings</Title>
        <Text size="sm" c={saveError ? 'red' : 'dimmed'} role="status" aria-live="polite">
          {saveError ? `Not saved: ${saveError.message}` : (saved ?? '')}
        </Text>
      </Group>
      {loadError && <ErrorNotice title="Could not read the settings" message={loadError.message} hint="Check that Homeport is running, then try again." onRetry={() => void load()} />}
      {!view && !loadError && (
        <Center py="xl">
          <Loader size="sm" aria-label="Loading settings" />
        </Center>
      )}
      {view && view.restartRequired.length > 0 && <RestartNotice waiting={view.restartRequired} />}
      {view && <SettingsForm settings={view.settings} unavailable={view.unavailable} restartRequired={view.restartRequired} />}
      <SecretsSection />
      <AppKeysSection />
      <BudgetsSection />
      <ThemeSection />
    </Stack>
  );
}

interface FormProps {
  readonly settings: AppSettings;
  readonly unavailable: Readonly<Partial<Record<keyof AppSettings, string>>>;
  readonly restartRequired: readonly (keyof AppSettings)[];
}

const SETTING_WORDS: Readonly<Record<keyof AppSettings, string>> = {
  port: 'Port',
  idleTtlMinutes: 'Unload idle models after',
  memoryBudgetBytes: 'Memory budget',
  maxLoadedModels: 'Models loaded at once',
  cache: 'Cache',
  privacy: 'Privacy mode',
  startOnLogin: 'Start on login',
  closeToTray: 'Keep running in the tray',
  theme: 'Theme',
};

/** Saved settings the running engine does not use yet, and what to do about it. */
function RestartNotice({ waiting }: { readonly waiting: readonly (keyof AppSettings)[] }) {
  return (
    <Alert color="yellow" variant="light" title="Restart Homeport to use these settings" role="status">
      <Text size="sm">
        {waiting.map((key) => SETTING_WORDS[key]).join(', ')} {waiting.length === 1 ? 'is' : 'are'} saved but cannot change while Homeport runs. Quit Homeport (or stop{' '}
        <Code>homeport serve</Code>) and start it again; everything else on this page applies at once.
      </Text>
    </Alert>
  );
}

/** "Applies at once" or "Needs a restart", next to a setting's name. */
function WhenApplied({ restart }: { readonly restart: boolean }) {
  return (
    <Badge size="xs" variant={restart ? 'light' : 'outline'} color={restart ? 'yellow' : 'gray'} ml={6} tt="none" style={{ verticalAlign: 'middle' }}>
      {restart ? 'needs a restart' : 'applies at once'}
    </Badge>
  );
}

/** A setting's name with when it applies. */
function SettingLabel({ text, restart }: { readonly text: string; readonly restart: boolean }) {
  return (
    <>
      {text}
      <WhenApplied restart={restart} />
    </>
  );
}

/** The save error for a field, when the engine named it (OpenAI's `param`, e.g. `cache` or `idleTtlMinutes`). */
function useFieldError(field: keyof AppSettings): string | undefined {
  const error = useSettings((s) => s.saveError);
  return error?.param && (error.param === field || error.param.startsWith(`${field}.`)) ? error.message : undefined;
}

/** What the port field says: where the endpoint is now, and when a change applies. */
export function portHint(saved: number, running: number | null, restartRequired: boolean): string {
  if (restartRequired) return `Saved: Homeport moves to port ${saved} when it restarts; apps keep using ${running ?? 'the current port'} until then.`;
  if (running !== null && running !== saved) return `Running on ${running} now (set with --port); this port applies when Homeport starts without --port.`;
  return 'The endpoint listens on 127.0.0.1 at this port. Apps hold on to it, so a change waits for a restart.';
}

function SettingsForm({ settings, unavailable, restartRequired }: FormProps) {
  const update = useSettings((s) => s.update);
  const baseUrl = useStatus((s) => s.status?.baseUrl ?? null);
  const runningPort = baseUrl ? Number(new URL(baseUrl).port) || null : null;
  const save = (patch: SettingsPatch) => void update(patch);
  // The machine's memory, to say when a budget is above it (the Hardware page reads the same).
  const machineBytes = useHardware((s) => machineMemoryBytes(s.hardware));
  useEffect(() => {
    if (!useHardware.getState().hardware) void useHardware.getState().load();
  }, []);
  const budget = memoryBudgetWords(settings.memoryBudgetBytes, machineBytes);
  const needsRestart = (key: keyof AppSettings) => restartRequired.includes(key);
  const errors = {
    port: useFieldError('port'),
    idleTtlMinutes: useFieldError('idleTtlMinutes'),
    memoryBudgetBytes: useFieldError('memoryBudgetBytes'),
    maxLoadedModels: useFieldError('maxLoadedModels'),
    cache: useFieldError('cache'),
  };

  return (
    <>
      <Card component="section" aria-label="Server">
        <Title order={4} mb="sm">
          Server
        </Title>
        <SavedNumber
          label={<SettingLabel text="Port" restart />}
          error={errors.port}
          description={portHint(settings.port, runningPort, restartRequired.includes('port'))}
          value={settings.port}
          min={1024}
          max={65535}
          integer
          onSave={(port) => save({ port })}
        />
      </Card>

      <Card component="section" aria-label="Models and memory">
        <Title order={4} mb="sm">
          Models and memory
        </Title>
        <Group align="flex-start" gap="lg">
          <SavedNumber
            label={<SettingLabel text="Unload idle models after" restart={needsRestart('idleTtlMinutes')} />}
            error={errors.idleTtlMinutes}
            description="Minutes without a request; 0 keeps them loaded. Loaded models get the new time at once."
            value={settings.idleTtlMinutes}
            min={0}
            max={525_600}
            suffix=" min"
            onSave={(idleTtlMinutes) => save({ idleTtlMinutes })}
          />
          <SavedNumber
            label={<SettingLabel text="Memory budget" restart={needsRestart('memoryBudgetBytes')} />}
            error={errors.memoryBudgetBytes ?? (budget.tooBig ? budget.text : undefined)}
            description={budget.tooBig ? undefined : budget.text}
            value={Math.round((settings.memoryBudgetBytes / GIB) * 10) / 10}
            min={0}
            step={0.5}
            decimalScale={1}
            suffix=" GiB"
            onSave={(gib) => save({ memoryBudgetBytes: Math.round(gib * GIB) })}
          />
          <SavedNumber
            label={<SettingLabel text="Models loaded at once" restart={needsRestart('maxLoadedModels')} />}
            error={errors.maxLoadedModels}
            description="0: as many as fit."
            value={settings.maxLoadedModels}
            min={0}
            max={1000}
            integer
            onSave={(maxLoadedModels) => save({ maxLoadedModels })}
          />
        </Group>
      </Card>

      <Card component="section" aria-label="Cache">
        <Title order={4} mb="sm">
          Cache
          <WhenApplied restart={needsRestart('cache')} />
          {!settings.cache.enabled && <CacheOffBadge ml={6} />}
        </Title>
        <Switch
          label="Answer repeated requests from the cache"
          description="Identical requests (same messages, parameters and tools) get the stored answer at once."
          checked={settings.cache.enabled}
          onChange={(e) => save({ cache: { enabled: e.currentTarget.checked } })}
        />
        <Group align="flex-start" gap="lg" mt="md">
          <SavedNumber
            label="Keep answers for"
            error={errors.cache}
            description="Hours a cached answer stays valid; older ones go at once."
            value={Math.round((settings.cache.ttlMinutes / 60) * 10) / 10}
            min={0.1}
            max={8760}
            step={1}
            decimalScale={1}
            suffix=" h"
            disabled={!settings.cache.enabled}
            onSave={(hours) => save({ cache: { ttlMinutes: Math.round(hours * 60) } })}
          />
          <SavedNumber
            label="Size limit"
            description="The least recently used answers go first."
            value={Math.round((settings.cache.maxBytes / MIB) * 10) / 10}
            min={1}
            step={64}
            decimalScale={0}
            suffix=" MiB"
            disabled={!settings.cache.enabled}
            onSave={(mib) => save({ cache: { maxBytes: Math.round(mib * MIB) } })}
          />
        </Group>
        <Text size="sm" c="dimmed" mt="sm">
          Near-identical matches (the semantic cache and its similarity threshold) are set per route on the <Anchor href="#/routing">Routing</Anchor> page.
        </Text>
      </Card>

      <Card component="section" aria-label="Privacy">
        <Title order={4} mb="sm">
          Privacy
        </Title>
        <Switch
          label="Privacy mode"
          description="No request leaves this machine or the LAN: cloud providers are skipped, even when local is busy."
          checked={settings.privacy}
          onChange={(e) => save({ privacy: e.currentTarget.checked })}
        />
      </Card>

      <Card component="section" aria-label="Desktop app">
        <Title order={4} mb="sm">
          Desktop app
        </Title>
        <Stack gap="sm">
          <Switch
            label="Start on login"
            description={unavailable.startOnLogin ?? 'Open Homeport in the tray when you log in.'}
            checked={settings.startOnLogin}
            disabled={Boolean(unavailable.startOnLogin)}
            onChange={(e) => save({ startOnLogin: e.currentTarget.checked })}
          />
          <Switch
            label="Keep running in the tray when the window closes"
            description={unavailable.closeToTray ?? 'The endpoint stays up; quit from the tray.'}
            checked={settings.closeToTray}
            disabled={Boolean(unavailable.closeToTray)}
            onChange={(e) => save({ closeToTray: e.currentTarget.checked })}
          />
        </Stack>
      </Card>
    </>
  );
}

/** Daily cloud budgets per provider (set with the provider on the Routing page). */
function BudgetsSection() {
  const providers = useSettings((s) => s.providers);
  const error = useSettings((s) => s.providersError);
  const facts = (providers ?? []).map(providerFacts).filter((f) => f.cloud);
  return (
    <Card component="section" aria-label="Budgets">
      <Title order={4}>Budgets</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Once a provider’s daily budget is spent, Homeport skips it until tomorrow. Set budgets with each provider on the Routing page.
      </Text>
      {error ? (
        <Text size="sm" c="dimmed">
          Provider list unavailable: {error.message}
        </Text>
      ) : facts.length === 0 ? (
        <Text size="sm">No cloud provider configured: nothing can spend money.</Text>
      ) : (
        <Stack gap={4}>
          {facts.map((f) => (
            <Text key={f.name} size="sm" className="hp-figure">
              <b>{f.name}</b>: {f.budgetUsd === null ? 'no daily budget' : `${formatUsd(f.spentUsd ?? 0)} of ${formatUsd(f.budgetUsd)} spent today`}
            </Text>
          ))}
        </Stack>
      )}
    </Card>
  );
}

const TO_MANTINE = { system: 'auto', light: 'light', dark: 'dark' } as const;
const FROM_MANTINE = { auto: 'system', light: 'light', dark: 'dark' } as const;

function ThemeSection() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const update = useSettings((s) => s.update);
  const known = useSettings((s) => s.view !== null);
  return (
    <Card component="section" aria-label="Appearance">
      <Title order={4} mb="sm">
        Appearance
      </Title>
      <Text size="sm" mb={6} id="theme-label">
        Theme
      </Text>
      <SegmentedControl
        aria-labelledby="theme-label"
        value={FROM_MANTINE[colorScheme]}
        onChange={(value) => {
          const theme = value as ThemePreference;
          setColorScheme(TO_MANTINE[theme]);
          if (known) void update({ theme });
        }}
        data={[
          { value: 'system', label: 'Follow the system' },
          { value: 'light', label: 'Light' },
          { value: 'dark', label: 'Dark' },
        ]}
      />
      {colorScheme === 'auto' && (
        <Alert variant="light" color="gray" mt="sm" p="xs">
          <Text size="xs">Light or dark follows your operating system’s setting.</Text>
        </Alert>
      )}
    </Card>
  );
}
