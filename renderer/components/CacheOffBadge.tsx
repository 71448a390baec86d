/** "Cache off": the cache's global switch (Settings) is off, so no request reads or writes it; its entries are kept. */
import { Badge } from '@mantine/core';
import { ROLE_COLORS } from '../theme.js';

export function CacheOffBadge({ ml }: { readonly ml?: number }) {
  return (
    <Badge size="sm" variant="outline" color={ROLE_COLORS.warn} tt="none" ml={ml} style={{ verticalAlign: 'middle' }} title="Switched off in Settings: no request reads or writes the cache">
      Cache off
    </Badge>
  );
}
