/** The newest lines of one runtime's log, following the end unless the user scrolls up. */
import { useEffect, useLayoutEffect, useRef } from 'react';
import { Box, Card, Group, ScrollArea, Text, Title } from '@mantine/core';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatClock } from '../../lib/format.js';
import { useRuntimes } from '../../stores/runtimes.js';

export function LogTail({ runtimeId }: { readonly runtimeId: string }) {
  const log = useRuntimes((s) => s.log);
  const tail = useRuntimes((s) => s.tail);
  const viewport = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  useEffect(() => tail(runtimeId), [runtimeId, tail]);
  useLayoutEffect(() => {
    const el = viewport.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [log.lines]);

  return (
    <Card>
      <Group justify="space-between" mb="xs">
        <Title order={4}>Log · {runtimeId}</Title>
        <Text size="xs" c="dimmed" className="hp-figure">
          {log.lines.length} lines
        </Text>
      </Group>
      {log.error && <ErrorNotice title="The log could not be read" message={log.error.message} onRetry={() => tail(runtimeId)} />}
      <ScrollArea
        h={320}
        viewportRef={viewport}
        onScrollPositionChange={({ y }) => {
          const el = viewport.current;
          if (el) following.current = y + el.clientHeight >= el.scrollHeight - 24;
        }}
        aria-label={`Log of ${runtimeId}`}
        tabIndex={0}
      >
        {log.lines.length === 0 ? (
          <Text size="sm" c="dimmed" p="xs">
            Nothing logged yet. Start the runtime to see its output here.
          </Text>
        ) : (
          <Box className="hp-log" role="log" aria-live="off">
            {log.lines.map((line, i) => (
              <div key={`${line.at}-${i}`}>
                <Text span c="dimmed" inherit>
                  {formatClock(line.at)}{' '}
                </Text>
                <Text span inherit c={line.stream === 'stderr' ? 'orange' : line.stream === 'supervisor' ? 'blue' : undefined}>
                  {line.line}
                </Text>
              </div>
            ))}
          </Box>
        )}
      </ScrollArea>
    </Card>
  );
}
