/** A model's load state, with a progress bar and elapsed time while it loads. */
import { useEffect, useState } from 'react';
import { Badge, Progress, Stack, Text, Tooltip } from '@mantine/core';
import type { ModelView } from '../../../preload/contract.js';
import { formatDuration } from '../../lib/format.js';
import { ROLE_COLORS } from '../../theme.js';

const LOOK: Record<ModelView['state'], { label: string; color: string }> = {
  loaded: { label: 'Loaded', color: ROLE_COLORS.ok },
  loading: { label: 'Loading', color: ROLE_COLORS.busy },
  unloading: { label: 'Unloading', color: ROLE_COLORS.warn },
  available: { label: 'Not loaded', color: ROLE_COLORS.idle },
  failed: { label: 'Failed', color: ROLE_COLORS.bad },
};

export function ModelState({ model, since }: { readonly model: ModelView | null; readonly since?: number }) {
  const [now, setNow] = useState(() => Date.now());
  const busy = model?.state === 'loading' || model?.state === 'unloading';
  useEffect(() => {
    if (!busy) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [busy]);
  if (!model) {
    return (
      <Tooltip label="Found on disk but not served: start Homeport with --model pointing at it, or add it to config.json." multiline maw={320}>
        <Badge variant="outline" color={ROLE_COLORS.idle} size="sm">
          In library
        </Badge>
      </Tooltip>
    );
  }
  const look = LOOK[model.state];
  if (busy) {
    return (
      <Stack gap={2} w="100%" aria-label={`${look.label} ${model.id}`}>
        <Text size="xs" className="hp-figure">
          {look.label}… {since ? formatDuration(Math.max(0, now - since) / 1000) : ''}
        </Text>
        <Progress value={100} animated striped size="sm" aria-label={`${look.label} progress`} />
      </Stack>
    );
  }
  const badge = (
    <Badge variant={look.color === ROLE_COLORS.idle ? 'outline' : 'light'} color={look.color} size="sm">
      {look.label}
    </Badge>
  );
  return model.state === 'failed' && model.lastError ? (
    <Tooltip label={model.lastError} multiline maw={360}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
