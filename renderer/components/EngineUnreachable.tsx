/**
 * Above every page while the engine does not answer: says so plainly, how old
 * the figures below are, and that the panel picks up by itself when it is
 * back (the header's badge alone is easy to miss).
 */
import { Alert, Code, Text } from '@mantine/core';
import { formatClock } from '../lib/format.js';

export interface EngineUnreachableProps {
  /**
   * Whole seconds until the next try while the engine does not answer (the
   * status store's countdown, which the header's badge shows too); null while
   * it answers, and then nothing is shown.
   */
  readonly retryInSeconds: number | null;
  /** When the engine stopped answering; null when not known. */
  readonly lostAt: number | null;
}

export function EngineUnreachable({ retryInSeconds: seconds, lostAt }: EngineUnreachableProps) {
  if (seconds === null) return null;
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
