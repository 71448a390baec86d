/** An error the user can act on: what happened, what to do, and a retry when there is one. */
import type { ReactNode } from 'react';
import { Alert, Button, Group, Text } from '@mantine/core';
import { TickedText } from './TickedText.js';

export interface ErrorNoticeProps {
  readonly title: string;
  /** What happened, in the engine's words. */
  readonly message: string;
  /** What to do about it. */
  readonly hint?: ReactNode;
  readonly onRetry?: () => void;
  readonly retryLabel?: string;
  readonly onDismiss?: () => void;
}

export function ErrorNotice({ title, message, hint, onRetry, retryLabel = 'Try again', onDismiss }: ErrorNoticeProps) {
  return (
    <Alert color="red" variant="light" title={title} role="alert" withCloseButton={Boolean(onDismiss)} onClose={onDismiss} closeButtonLabel="Dismiss">
      <Text size="sm">
        <TickedText text={message} />
      </Text>
      {hint && (
        <Text size="sm" c="dimmed" mt={4}>
          {hint}
        </Text>
      )}
      {onRetry && (
        <Group mt="sm">
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {retryLabel}
          </Button>
        </Group>
      )}
    </Alert>
  );
}
