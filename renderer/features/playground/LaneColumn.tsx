/** One lane: its model or route, its messages, and its raw exchange. Side by side, several sit in a row. */
import { memo, useEffect, useRef, useState } from 'react';
import { ActionIcon, Button, Card, Code, Group, Modal, ScrollArea, Select, Stack, Text, Tooltip } from '@mantine/core';
import { EmptyState } from '../../components/EmptyState.js';
import { usePlayground } from '../../stores/playground.js';
import { MessageView } from './MessageView.js';

export interface LaneColumnProps {
  readonly laneKey: string;
  readonly index: number;
  readonly laneCount: number;
}

export const LaneColumn = memo(function LaneColumn({ laneKey, index, laneCount }: LaneColumnProps) {
  const lane = usePlayground((s) => s.lanes.find((l) => l.key === laneKey));
  const targets = usePlayground((s) => s.targets);
  const busy = usePlayground((s) => Object.keys(s.streaming).length > 0);
  const { setTarget, removeLane, regenerate, editAndResend } = usePlayground.getState();
  const [rawOpen, setRawOpen] = useState(false);
  const viewport = useRef<HTMLDivElement>(null);
  const last = lane?.messages[lane.messages.length - 1];
  const lastAssistant = last?.role === 'assistant' ? last.id : null;
  // Keep the newest text in view while it streams (content changes at most once a frame).
  useEffect(() => {
    const element = viewport.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [last?.content.length, lane?.messages.length]);
  if (!lane) return null;

  const value = lane.target.id ? `${lane.target.kind}:${lane.target.id}` : null;
  const label = laneCount > 1 ? `Model or route for lane ${index + 1}` : 'Model or route';
  const known = targets.some((t) => `${t.kind}:${t.id}` === value);
  const data = [
    { group: 'Models', items: targets.filter((t) => t.kind === 'model').map((t) => ({ value: `model:${t.id}`, label: t.id })) },
    { group: 'Routes', items: targets.filter((t) => t.kind === 'route').map((t) => ({ value: `route:${t.id}`, label: t.id })) },
    ...(value && !known ? [{ group: 'Saved', items: [{ value, label: lane.target.id }] }] : []),
  ].filter((g) => g.items.length > 0);

  return (
    <Card component="section" aria-label={`Lane ${index + 1}: ${lane.target.id || 'no target'}`} p="sm" style={{ minWidth: 0, display: 'flex', flexDirection: 'column' }}>
      <Group gap="xs" wrap="nowrap" mb="xs">
        <Select
          aria-label={label}
          placeholder="Pick a model or route"
          data={data}
          value={value}
          onChange={(v) => {
            if (!v) return;
            const colon = v.indexOf(':');
            setTarget(lane.key, { kind: v.slice(0, colon) as 'model' | 'route', id: v.slice(colon + 1) });
          }}
          searchable
          allowDeselect={false}
          disabled={busy}
          style={{ flex: 1 }}
          size="xs"
        />
        <Button size="compact-xs" variant="subtle" onClick={() => setRawOpen(true)} disabled={!lane.raw} aria-label={`Raw request and response, lane ${index + 1}`}>
          Raw
        </Button>
        {laneCount > 1 && (
          <Tooltip label="Remove this lane">
            <ActionIcon variant="subtle" color="gray" aria-label={`Remove lane ${index + 1}`} onClick={() => removeLane(lane.key)} disabled={busy}>
              ×
            </ActionIcon>
          </Tooltip>
        )}
      </Group>
      <ScrollArea.Autosize mah="calc(100vh - 380px)" mih={200} type="auto" offsetScrollbars viewportRef={viewport}>
        <Stack gap="xs" pr={4}>
          {lane.messages.length === 0 ? (
            <EmptyState title="No messages yet">Write a prompt below and press Send. Add a lane to send the same prompt to another model side by side.</EmptyState>
          ) : (
            lane.messages.map((message) => (
              <MessageView
                key={message.id}
                message={message}
                canEdit={!busy}
                onEdit={(text) => editAndResend(lane.key, message.id, text)}
                {...(message.id === lastAssistant && !busy ? { onRegenerate: () => regenerate(lane.key) } : {})}
              />
            ))
          )}
        </Stack>
      </ScrollArea.Autosize>
      <Modal opened={rawOpen} onClose={() => setRawOpen(false)} title={`Raw exchange — ${lane.target.id}`} size="xl">
        {lane.raw && (
          <Stack gap="sm">
            <Text fw={600} size="sm">
              Request: POST /v1/chat/completions
            </Text>
            <Code block fz="xs">
              {JSON.stringify(lane.raw.request, null, 2)}
            </Code>
            <Text fw={600} size="sm">
              Response {lane.raw.response ? `${lane.raw.response.status}` : '(waiting)'}
            </Text>
            {lane.raw.response && (
              <Code block fz="xs">
                {Object.entries(lane.raw.response.headers)
                  .map(([k, v]) => `${k}: ${v}`)
                  .join('\n')}
              </Code>
            )}
            <Text fw={600} size="sm">
              Events ({lane.raw.events.length}
              {lane.raw.truncated ? ', later ones not kept' : ''})
            </Text>
            <Code block fz="xs" style={{ maxHeight: 320, overflow: 'auto' }}>
              {lane.raw.events.map((e) => `${e.event === 'message' ? '' : `event: ${e.event}\n`}data: ${JSON.stringify(e.data)}`).join('\n\n')}
            </Code>
          </Stack>
        )}
      </Modal>
    </Card>
  );
});
