/** One figure with its label and a line of context, as on the Overview's tier cards. */
import type { ReactNode } from 'react';
import { Badge, Card, Group, Text, type MantineColor } from '@mantine/core';

export interface StatCardProps {
  readonly label: string;
  readonly value: ReactNode;
  /** A second line: where the figure comes from, or what to do about it. */
  readonly hint?: ReactNode;
  /** A short state word shown as a badge beside the label ("on", "3 up"). */
  readonly badge?: { readonly text: string; readonly color: MantineColor };
  readonly children?: ReactNode;
}

export function StatCard({ label, value, hint, badge, children }: StatCardProps) {
  return (
    <Card component="section" aria-label={label} h="100%">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.4}>
          {label}
        </Text>
        {badge && (
          // The label wraps on a narrow card; the badge keeps its whole word.
          <Badge size="sm" variant={badge.color === 'gray' ? 'outline' : 'light'} color={badge.color} style={{ flexShrink: 0 }}>
            {badge.text}
          </Badge>
        )}
      </Group>
      <Text className="hp-figure" fz={26} fw={650} mt={6} lh={1.2}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed" mt={4}>
          {hint}
        </Text>
      )}
      {children}
    </Card>
  );
}
