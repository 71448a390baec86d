/**
 * One model: what the file is, its settings (context, parallel slots, GPU
 * layers, idle TTL, aliases) and, while the sliders move, what that setup
 * would need and how fast it would run — before anything loads.
 */
import { useEffect, useMemo, useState } from 'react';
import { Badge, Button, Code, Divider, Drawer, Group, NumberInput, Slider, Stack, TagsInput, Text, Title, Tooltip } from '@mantine/core';
import type { ModelSettings, ModelSettingsView } from '../../../preload/contract.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { FactList } from '../../components/FactList.js';
import { formatBytes, formatCompact, formatContext, formatRelativeTime } from '../../lib/format.js';
import { useModels, type SetupDraft } from '../../stores/models.js';
import { contextSteps, nearestStep } from './context-steps.js';
import { FitPreviewPanel } from './FitPreviewPanel.js';
import type { ModelRow } from './model-rows.js';

export function ModelDrawer({ row, onClose }: { readonly row: ModelRow | null; readonly onClose: () => void }) {
  return (
    <Drawer opened={row !== null} onClose={onClose} position="right" size="lg" title={row ? <Title order={3}>{row.name}</Title> : null} closeButtonProps={{ 'aria-label': 'Close model details' }}>
      {row && <ModelDetails row={row} />}
    </Drawer>
  );
}

function ModelDetails({ row }: { readonly row: ModelRow }) {
  const meta = row.library?.metadata ?? null;
  const decisions = useModels((s) => s.decisions).filter((d) => d.model === row.id).slice(0, 8);
  const facts: [string, string][] = [
    ['Architecture', meta?.architecture ?? '—'],
    ['Parameters', meta ? formatCompact(meta.parameterCount) : '—'],
    ['Quantisation', row.quant ?? '—'],
    ['Size', formatBytes(row.sizeBytes)],
    ['Trained context', formatContext(meta?.trainedContext)],
    ['Layers', meta ? String(meta.layers) : '—'],
  ];
  return (
    <Stack gap="md">
      <Group gap={6}>
        <Code>{row.id}</Code>
        {row.served && (
          <Badge variant="light" size="sm" tt="none">
            {row.served.runtime}
          </Badge>
        )}
        {meta && !meta.hasChatTemplate && (
          <Tooltip label="The file has no chat template: chat requests use a generic one.">
            <Badge variant="light" color="yellow" size="sm">
              no chat template
            </Badge>
          </Tooltip>
        )}
      </Group>
      <FactList facts={facts} />
      {row.library && (
        <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
          {row.library.files.join(', ')}
        </Text>
      )}
      <Divider />
      <SetupEditor row={row} />
      {decisions.length > 0 && (
        <>
          <Divider />
          <Title order={5}>Recent decisions</Title>
          <Stack gap={4}>
            {decisions.map((d) => (
              <Text key={`${d.at}-${d.kind}`} size="xs">
                <Text span c="dimmed" inherit>
                  {formatRelativeTime(d.at)} · {d.kind}:
                </Text>{' '}
                {d.reason}
              </Text>
            ))}
          </Stack>
        </>
      )}
    </Stack>
  );
}

function SetupEditor({ row }: { readonly row: ModelRow }) {
  const served = row.served !== null;
  const settings = useModels((s) => s.settings[row.id]);
  const loadSettings = useModels((s) => s.loadSettings);
  const saveSettings = useModels((s) => s.saveSettings);
  const previewSetup = useModels((s) => s.previewSetup);
  const preview = useModels((s) => s.previews[row.id]);
  useEffect(() => {
    if (served) void loadSettings(row.id);
  }, [served, row.id, loadSettings]);

  const view: ModelSettingsView | null = settings?.view ?? null;
  const libraryFit = row.library?.fit ?? null;
  const initial: SetupDraft = {
    ctx: view?.settings.ctx ?? libraryFit?.contextSize ?? row.contextLength ?? 4096,
    slots: view?.settings.parallel ?? libraryFit?.slots ?? 1,
    gpuLayers: view?.settings.gpuLayers ?? null,
  };
  const [draft, setDraft] = useState<SetupDraft>(initial);
  const [ttl, setTtl] = useState<number | string>(view?.settings.ttlMinutes ?? '');
  const [aliases, setAliases] = useState<string[]>([...(view?.settings.aliases ?? row.served?.aliases ?? [])]);
  const viewKey = view ? JSON.stringify(view.settings) : '';
  useEffect(() => {
    setDraft(initial);
    setTtl(view?.settings.ttlMinutes ?? '');
    setAliases([...(view?.settings.aliases ?? row.served?.aliases ?? [])]);
    previewSetup(row.id, initial);
    // Reset when the saved settings change (or another model opens).
  }, [row.id, viewKey]);

  const steps = useMemo(() => contextSteps(row.library?.metadata.trainedContext ?? null), [row.library]);
  const totalLayers = preview?.fit?.fit.totalLayers ?? libraryFit?.totalLayers ?? 0;
  const hasGpu = (preview?.fit?.fit.budget.vramBytes ?? null) !== null;
  const readOnly = new Set(view?.readOnly ?? []);
  const change = (next: SetupDraft) => {
    setDraft(next);
    previewSetup(row.id, next);
  };
  const save = () => {
    const patch: Partial<ModelSettings> = {};
    if (!readOnly.has('ctx')) Object.assign(patch, { ctx: draft.ctx });
    if (!readOnly.has('parallel')) Object.assign(patch, { parallel: draft.slots });
    if (!readOnly.has('gpuLayers')) Object.assign(patch, { gpuLayers: draft.gpuLayers });
    if (!readOnly.has('ttlMinutes')) Object.assign(patch, { ttlMinutes: ttl === '' ? null : Number(ttl) });
    if (!readOnly.has('aliases')) Object.assign(patch, { aliases });
    void saveSettings(row.id, patch);
  };
  const ctxIndex = nearestStep(steps, draft.ctx);

  return (
    <Stack gap="md">
      <Title order={5}>Setup</Title>
      {!served && (
        <Text size="sm" c="dimmed">
          This file is in the library but not served. Try setups here to see what fits; serve it with <Code>homeport serve --model</Code> to load it.
        </Text>
      )}
      {view?.reason && (
        <Text size="sm" c="dimmed">
          {view.reason}
        </Text>
      )}
      <div>
        <Group justify="space-between">
          <Text size="sm" id={`ctx-${row.id}`}>
            Context per slot
          </Text>
          <Text size="sm" fw={600} className="hp-figure">
            {formatContext(draft.ctx)} tokens
          </Text>
        </Group>
        <Slider
          min={0}
          max={steps.length - 1}
          step={1}
          value={ctxIndex}
          label={(i) => formatContext(steps[i] ?? 0)}
          onChange={(i) => change({ ...draft, ctx: steps[i] ?? draft.ctx })}
          disabled={readOnly.has('ctx')}
          thumbLabel="Context per slot"
          aria-labelledby={`ctx-${row.id}`}
          mt={4}
        />
      </div>
      <div>
        <Group justify="space-between">
          <Text size="sm" id={`slots-${row.id}`}>
            Parallel requests (slots)
          </Text>
          <Text size="sm" fw={600} className="hp-figure">
            {draft.slots}
          </Text>
        </Group>
        <Slider min={1} max={16} step={1} value={draft.slots} onChange={(slots) => change({ ...draft, slots })} disabled={readOnly.has('parallel')} thumbLabel="Parallel requests" aria-labelledby={`slots-${row.id}`} mt={4} />
      </div>
      <div>
        <Group justify="space-between">
          <Text size="sm" id={`gpu-${row.id}`}>
            GPU layers
          </Text>
          <Text size="sm" fw={600} className="hp-figure">
            {draft.gpuLayers === null ? 'as many as fit' : `${draft.gpuLayers} of ${totalLayers}`}
          </Text>
        </Group>
        {hasGpu ? (
          <Group gap="sm" align="center" mt={4}>
            <Slider
              style={{ flex: 1 }}
              min={0}
              max={Math.max(totalLayers, 1)}
              step={1}
              value={draft.gpuLayers ?? totalLayers}
              onChange={(gpuLayers) => change({ ...draft, gpuLayers })}
              disabled={readOnly.has('gpuLayers')}
              thumbLabel="GPU layers"
              aria-labelledby={`gpu-${row.id}`}
            />
            <Button size="compact-xs" variant="subtle" onClick={() => change({ ...draft, gpuLayers: null })} disabled={draft.gpuLayers === null}>
              Auto
            </Button>
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            No GPU the runtimes can use was found: the model runs on the CPU.
          </Text>
        )}
      </div>
      <FitPreviewPanel preview={preview} />
      {served && (
        <>
          <Group align="flex-start" gap="md">
            <NumberInput
              label="Unload when idle for"
              description="Minutes; empty uses the default, 0 never unloads."
              value={ttl}
              onChange={setTtl}
              min={0}
              suffix=" min"
              w={220}
              disabled={readOnly.has('ttlMinutes')}
            />
            <TagsInput
              label="Aliases"
              description="Other names apps can ask for."
              value={aliases}
              onChange={setAliases}
              placeholder="Add a name, press Enter"
              w={260}
              disabled={readOnly.has('aliases')}
            />
          </Group>
          {settings?.error && <ErrorNotice title="Settings not saved" message={settings.error.message} />}
          <Group>
            <Button onClick={save} loading={settings?.saving ?? false} disabled={!view}>
              Save settings
            </Button>
            <Text size="sm" c="dimmed" role="status">
              {settings?.saved ?? (view?.appliesOnNextLoad ? 'Changes apply the next time the model loads.' : '')}
            </Text>
          </Group>
        </>
      )}
    </Stack>
  );
}
