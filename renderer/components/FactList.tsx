/** Small labelled figures ("Port 4663", "Restarts 0"): in a grid on a card, or in a row in a drawer. Numbers use tabular figures. */
import { Group, SimpleGrid, Text } from '@mantine/core';

export interface FactListProps {
  readonly facts: readonly (readonly [label: string, value: string])[];
  /** A grid of `cols` columns (cards), or one wrapping row (drawers). */
  readonly layout?: { readonly grid: number } | 'row';
  readonly mb?: string;
}

export function FactList({ facts, layout = 'row', mb }: FactListProps) {
  const items = facts.map(([label, value]) => (
    <div key={label}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" className="hp-figure">
        {value}
      </Text>
    </div>
  ));
  return layout === 'row' ? (
    <Group gap="xl" mb={mb}>
      {items}
    </Group>
  ) : (
    <SimpleGrid cols={layout.grid} spacing={6} verticalSpacing={6} mb={mb}>
      {items}
    </SimpleGrid>
  );
}
