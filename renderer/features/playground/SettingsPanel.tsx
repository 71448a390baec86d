/** System prompt and sampling parameters, shared by every lane; presets save and apply them. */
import { memo, useState } from 'react';
import { Button, Card, Group, Input, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { usePlayground } from '../../stores/playground.js';
import { isTierChoice, TIER_OPTIONS } from './forced-tier.js';
import { samplingProblems } from './sampling-limits.js';

const numberOrUndefined = (v: string | number): number | undefined => (v === '' || v === null ? undefined : Number(v));

export const SettingsPanel = memo(function SettingsPanel() {
  const systemPrompt = usePlayground((s) => s.systemPrompt);
  const p = usePlayground((s) => s.parameters);
  const presets = usePlayground((s) => s.presets);
  const forcedTier = usePlayground((s) => s.forcedTier);
  const { setForcedTier, setSystemPrompt, setParameters, savePreset, applyPreset, deletePreset } = usePlayground.getState();
  // Out of range stays as typed (not silently changed to the nearest limit) and is marked; Send waits for a fix.
  const problems = samplingProblems(p);
  const [presetName, setPresetName] = useState('');
  const [presetId, setPresetId] = useState<string | null>(null);

  return (
    <Card component="section" aria-label="Prompt and parameters" p="sm">
      <Stack gap="xs">
        <Title order={5}>Prompt and parameters</Title>
        <Input.Wrapper label="Tier" description={TIER_OPTIONS.find((o) => o.value === forcedTier)?.detail} id="hp-forced-tier">
          <SegmentedControl
            aria-labelledby="hp-forced-tier-label"
            fullWidth
            size="xs"
            mt={4}
            value={forcedTier}
            onChange={(value) => isTierChoice(value) && setForcedTier(value)}
            data={TIER_OPTIONS.map((o) => ({ value: o.value, label: o.label }))}
          />
        </Input.Wrapper>
        <Textarea label="System prompt" placeholder="You are a helpful assistant." autosize minRows={2} maxRows={8} value={systemPrompt} onChange={(e) => setSystemPrompt(e.currentTarget.value)} />
        <SimpleGrid cols={2} spacing="xs">
          <NumberInput label="Temperature" min={0} max={2} clampBehavior="none" step={0.1} decimalScale={2} value={p.temperature ?? ''} error={problems.temperature} onChange={(v) => setParameters({ temperature: numberOrUndefined(v) })} size="xs" />
          <NumberInput label="top_p" min={0.01} max={1} clampBehavior="none" step={0.05} decimalScale={2} value={p.topP ?? ''} placeholder="default" error={problems.topP} onChange={(v) => setParameters({ topP: numberOrUndefined(v) })} size="xs" />
          <NumberInput label="Max tokens" min={1} clampBehavior="none" allowDecimal={false} step={64} value={p.maxTokens ?? ''} placeholder="default" error={problems.maxTokens} onChange={(v) => setParameters({ maxTokens: numberOrUndefined(v) })} size="xs" />
          <NumberInput label="Seed" step={1} allowDecimal={false} value={p.seed ?? ''} placeholder="random" error={problems.seed} onChange={(v) => setParameters({ seed: numberOrUndefined(v) })} size="xs" />
        </SimpleGrid>
        <TagsInput label="Stop sequences" description="Press Enter after each (up to 4)" maxTags={4} value={[...(p.stop ?? [])]} onChange={(stop) => setParameters({ stop: stop.length ? stop : undefined })} size="xs" />
        <Title order={6} mt="xs">
          Presets
        </Title>
        {presets.length === 0 ? (
          <Text size="xs" c="dimmed">
            Save the system prompt and parameters under a name to reuse them.
          </Text>
        ) : (
          <Group gap="xs" wrap="nowrap" align="flex-end">
            <Select aria-label="Preset" placeholder="Pick a preset" data={presets.map((x) => ({ value: x.id, label: x.name }))} value={presetId} onChange={setPresetId} size="xs" style={{ flex: 1 }} />
            <Button size="xs" variant="light" disabled={!presetId} onClick={() => presetId && applyPreset(presetId)}>
              Apply
            </Button>
            <Button
              size="xs"
              variant="subtle"
              color="red"
              disabled={!presetId}
              onClick={() => {
                if (presetId) void deletePreset(presetId);
                setPresetId(null);
              }}
            >
              Delete
            </Button>
          </Group>
        )}
        <Group gap="xs" wrap="nowrap" align="flex-end">
          <TextInput aria-label="Preset name" placeholder="Preset name" value={presetName} onChange={(e) => setPresetName(e.currentTarget.value)} size="xs" style={{ flex: 1 }} />
          <Button
            size="xs"
            variant="default"
            disabled={!presetName.trim()}
            onClick={async () => {
              if (await savePreset(presetName)) setPresetName('');
            }}
          >
            Save preset
          </Button>
        </Group>
      </Stack>
    </Card>
  );
});
