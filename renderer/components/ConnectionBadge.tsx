/**
 * The header's word on the link to the engine: connected, connecting, or
 * disconnected with the countdown to the next try (the status store's one
 * countdown, which the banner above the page shows too).
 */
import { Badge, Tooltip } from '@mantine/core';
import type { ConnectionState } from '../../preload/contract.js';
import { describeConnection } from '../lib/transport-connection.js';
import { ROLE_COLORS } from '../theme.js';

export interface ConnectionBadgeProps {
  readonly connection: ConnectionState;
  /** Whole seconds until the next try while the engine does not answer (the status store's `retryInSeconds`). */
  readonly retryInSeconds: number | null;
}

export function ConnectionBadge({ connection, retryInSeconds }: ConnectionBadgeProps) {
  const words = describeConnection(connection, retryInSeconds);
  const look =
    connection.kind === 'connected'
      ? { text: 'Connected', color: ROLE_COLORS.ok }
      : connection.kind === 'connecting'
        ? { text: 'Connecting…', color: ROLE_COLORS.idle }
        : { text: 'Disconnected', color: ROLE_COLORS.bad };
  return (
    <Tooltip label={words ?? 'The panel is receiving live data from the engine.'}>
      <Badge variant="dot" color={look.color} size="lg" role="status" aria-label={words ?? 'Connected to the engine'} tt="none">
        {connection.kind === 'retrying' ? (words ?? look.text) : look.text}
      </Badge>
    </Tooltip>
  );
}
