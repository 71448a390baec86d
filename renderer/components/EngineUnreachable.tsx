/**
 * Above every page while the engine does not answer: says so plainly, how old
 * the figures below are, and that the panel picks up by itself when it is
 * back (the header's badge alone is easy to miss).
 */
import { useEffect, useState } from 'react';
import { Alert, Code, Text } from '@mantine/core';
import type { ConnectionState } from '../../preload/contract.js';
import { formatClock } from '../lib/format.js';

export interface EngineUnreachableProps {
  readonly connection: ConnectionState;
  /** When the engine stopped answering; null when not known. */
  readonly lostAt: number | null;
  readonly now?: () => number;
}

export function EngineUnreachable({ connection, lostAt, now = Date.now }: EngineUnreachableProps) {
  const [, tick] = useState(0);
  const retrying = connection.kind === 'retrying';
  useEffect(() => {
    if (!retrying) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [retrying]);
  if (connection.kind !== 'retrying') return null;
  const seconds = Math.max(0, Math.ceil((connection.retryAt - now()) / 1000));
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      title="Homeport’s engine is not answering"
      mb="lg"
      style={{ position: 'sticky', top: 'calc(var(--app-shell-header-height, 56px) + var(--mantine-spacing-xs))', zIndex: 3 }}
    >
      <Text size="sm">
        {lostAt !== null ? `What this page shows is from ${formatClock(lostAt)} and may be out of date. ` : 'What this page shows may be out of date. '}
        {seconds > 0 ? `Trying again in ${seconds} s` : 'Trying again now'}; the panel picks up by itself once the engine is back, without a reload.
      </Text>
      <Text size="sm" mt={4}>
        If it does not come back, start Homeport again (<Code>homeport serve</Code> or the desktop app).
      </Text>
    </Alert>
  );
}
