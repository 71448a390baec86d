/** What an empty list says: what this is, and the one thing to do next. */
import type { ReactNode } from 'react';
import { Stack, Text, Title } from '@mantine/core';

export interface EmptyStateProps {
  readonly title: string;
  readonly children?: ReactNode;
  /** The next step, usually a button. */
  readonly action?: ReactNode;
}

export function EmptyState({ title, children, action }: EmptyStateProps) {
  return (
    <Stack align="center" gap={6} py="xl" px="md" ta="center" role="status">
      <Title order={4} fw={600}>
        {title}
      </Title>
      {children && (
        <Text size="sm" c="dimmed" maw={520}>
          {children}
        </Text>
      )}
      {action && <div style={{ marginTop: 8 }}>{action}</div>}
    </Stack>
  );
}
