/** Will this model run here? The fit verdict as a coloured badge; the reason on hover and for screen readers. */
import { Badge, Tooltip } from '@mantine/core';
import { ROLE_COLORS } from '../theme.js';

export type FitVerdictName = 'full-gpu' | 'partial-gpu' | 'cpu-only' | 'does-not-fit';

const LOOK: Record<FitVerdictName, { label: string; color: string }> = {
  'full-gpu': { label: 'Full GPU', color: ROLE_COLORS.ok },
  'partial-gpu': { label: 'Partial GPU', color: ROLE_COLORS.busy },
  'cpu-only': { label: 'Fits (CPU)', color: ROLE_COLORS.local },
  'does-not-fit': { label: 'Too large', color: ROLE_COLORS.bad },
};

export function fitLabel(verdict: FitVerdictName): string {
  return LOOK[verdict].label;
}

export interface FitBadgeProps {
  readonly verdict: FitVerdictName;
  readonly reason?: string;
  /** For a partial placement: "20 of 33 layers". */
  readonly detail?: string;
  /** Rough fits (judged from file size alone) say so. */
  readonly rough?: boolean;
}

export function FitBadge({ verdict, reason, detail, rough }: FitBadgeProps) {
  const look = LOOK[verdict];
  const text = `${rough ? '≈ ' : ''}${look.label}${detail ? ` · ${detail}` : ''}`;
  const badge = (
    <Badge variant="light" color={look.color} radius="sm" tt="none" aria-label={reason ? `${text}: ${reason}` : text}>
      {text}
    </Badge>
  );
  return reason ? (
    <Tooltip label={reason} multiline maw={360}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

/** "20 of 33 layers" for a partial placement, nothing otherwise. */
export function layersDetail(fit: { readonly verdict: FitVerdictName; readonly gpuLayers: number; readonly totalLayers: number }): string | undefined {
  return fit.verdict === 'partial-gpu' ? `${fit.gpuLayers} of ${fit.totalLayers} layers` : undefined;
}
