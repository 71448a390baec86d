/** One lane: its model or route, its messages, and its raw exchange. Side by side, several sit in a row. */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ActionIcon, Button, Card, Code, Group, Modal, Select, Stack, Text, Tooltip } from '@mantine/core';
import { EmptyState } from '../../components/EmptyState.js';
import { usePlayground, type PlaygroundMessage } from '../../stores/playground.js';
import { DisabledWhileStreaming } from './DisabledWhileStreaming.js';
import { MessageView } from './MessageView.js';
import { samplingFieldsToFix } from './sampling-limits.js';
import { useStreaming } from './use-streaming.js';

export interface LaneColumnProps {
  readonly laneKey: string;
  readonly index: number;
  readonly laneCount: number;
}

/**
 * The lane's frame. It reads only the lane's target: a stream starting or ending (busy), or the raw exchange
 * arriving, redraws the small parts that show them (picker, Raw and remove buttons, messages), not the card and its
 * dialog around them.
 */
export const LaneColumn = memo(function LaneColumn({ laneKey, index, laneCount }: LaneColumnProps) {
  const targetId = usePlayground((s) => s.lanes.find((l) => l.key === laneKey)?.target.id);
  const [rawOpen, setRawOpen] = useState(false);
  const openRaw = useCallback(() => setRawOpen(true), []);
  const closeRaw = useCallback(() => setRawOpen(false), []);
  if (targetId === undefined) return null;

  return (
    <Card component="section" aria-label={`Lane ${index + 1}: ${targetId || 'no target'}`} p="sm" style={{ minWidth: 0, display: 'flex', flexDirection: 'column' }}>
      <Group gap="xs" wrap="nowrap" mb="xs">
        <DisabledWhileStreaming>
          <TargetPicker laneKey={laneKey} label={laneCount > 1 ? `Model or route for lane ${index + 1}` : 'Model or route'} />
        </DisabledWhileStreaming>
        <RawButton laneKey={laneKey} index={index} onOpen={openRaw} />
        {laneCount > 1 && (
          <DisabledWhileStreaming>
            <RemoveLaneButton laneKey={laneKey} index={index} />
          </DisabledWhileStreaming>
        )}
      </Group>
      <LaneMessages laneKey={laneKey} />
      <RawDialog laneKey={laneKey} targetId={targetId} opened={rawOpen} onClose={closeRaw} />
    </Card>
  );
});

const RawButton = memo(function RawButton({ laneKey, index, onOpen }: { readonly laneKey: string; readonly index: number; readonly onOpen: () => void }) {
  const hasRaw = usePlayground((s) => Boolean(s.lanes.find((l) => l.key === laneKey)?.raw));
  return (
    <Button size="compact-xs" variant="subtle" onClick={onOpen} disabled={!hasRaw} aria-label={`Raw request and response, lane ${index + 1}`}>
      Raw
    </Button>
  );
});

/** Disabled while a lane streams by the fieldset around it. */
const RemoveLaneButton = memo(function RemoveLaneButton({ laneKey, index }: { readonly laneKey: string; readonly index: number }) {
  return (
    <Tooltip label="Remove this lane">
      <ActionIcon variant="subtle" color="gray" aria-label={`Remove lane ${index + 1}`} onClick={() => usePlayground.getState().removeLane(laneKey)}>
        ×
      </ActionIcon>
    </Tooltip>
  );
});

const RawDialog = memo(function RawDialog({ laneKey, targetId, opened, onClose }: { readonly laneKey: string; readonly targetId: string; readonly opened: boolean; readonly onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Raw exchange — ${targetId}`} size="xl">
      {opened && <RawExchangeView laneKey={laneKey} />}
    </Modal>
  );
});

/** The lane's model or route; redrawn when the choices change, not on every token (disabled while a lane streams by the fieldset around it). */
const TargetPicker = memo(function TargetPicker({ laneKey, label }: { readonly laneKey: string; readonly label: string }) {
  const target = usePlayground((s) => s.lanes.find((l) => l.key === laneKey)?.target);
  const targets = usePlayground((s) => s.targets);
  const value = target?.id ? `${target.kind}:${target.id}` : null;
  const data = useMemo(() => {
    const known = targets.some((t) => `${t.kind}:${t.id}` === value);
    return [
      { group: 'Models', items: targets.filter((t) => t.kind === 'model').map((t) => ({ value: `model:${t.id}`, label: t.id })) },
      { group: 'Routes', items: targets.filter((t) => t.kind === 'route').map((t) => ({ value: `route:${t.id}`, label: t.id })) },
      ...(value && target && !known ? [{ group: 'Saved', items: [{ value, label: target.id }] }] : []),
    ].filter((g) => g.items.length > 0);
  }, [targets, value, target]);
  return (
    <Select
      aria-label={label}
      placeholder="Pick a model or route"
      data={data}
      value={value}
      onChange={(v) => {
        if (!v) return;
        const colon = v.indexOf(':');
        usePlayground.getState().setTarget(laneKey, { kind: v.slice(0, colon) as 'model' | 'route', id: v.slice(colon + 1) });
      }}
      searchable
      allowDeselect={false}
      style={{ flex: 1 }}
      size="xs"
    />
  );
});

/**
 * The messages, kept scrolled to the newest text while the reader is at the
 * bottom. The scroll follows a ResizeObserver (after layout, so it never
 * forces one in the middle of a frame); scrolling up to read stops following.
 */
function LaneMessages({ laneKey }: { readonly laneKey: string }) {
  const busy = useStreaming();
  const messages = usePlayground((s) => s.lanes.find((l) => l.key === laneKey)?.messages) ?? NO_MESSAGES;
  const blockedBy = usePlayground((s) => samplingFieldsToFix(s.parameters));
  const viewport = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  useEffect(() => {
    const element = viewport.current;
    const inner = content.current;
    if (!element || !inner || typeof ResizeObserver === 'undefined') return;
    const onScroll = () => {
      following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
    };
    const observer = new ResizeObserver(() => {
      if (following.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(inner);
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      element.removeEventListener('scroll', onScroll);
    };
  }, []);
  const last = messages[messages.length - 1];
  const lastAssistant = last?.role === 'assistant' ? last.id : null;
  return (
    // A native scroller: the component library's drawn scrollbar ran script on every scroll the stream caused.
    <div ref={viewport} className="hp-lane-scroll">
      <Stack gap="xs" pr={4} ref={content}>
        {messages.length === 0 ? (
          <EmptyState title="No messages yet">Write a prompt below and press Send. Add a lane to send the same prompt to another model side by side.</EmptyState>
        ) : (
          // `busy` and `blockedBy` only change what a user message (edit) and the last answer (regenerate) offer: other answers keep
          // `false` and null, so a stream starting or ending, or a parameter typed, does not redraw them.
          messages.map((message) => {
            const offers = message.role === 'user' || message.id === lastAssistant;
            return (
              <LaneMessage key={message.id} laneKey={laneKey} message={message} busy={offers ? busy : false} blockedBy={offers ? blockedBy : null} lastAnswer={message.id === lastAssistant} />
            );
          })
        )}
      </Stack>
    </div>
  );
}

const NO_MESSAGES: readonly PlaygroundMessage[] = [];

/** One message with stable callbacks, so a token arriving in the newest answer redraws that answer only. */
const LaneMessage = memo(function LaneMessage({
  laneKey,
  message,
  busy,
  blockedBy,
  lastAnswer,
}: {
  readonly laneKey: string;
  readonly message: PlaygroundMessage;
  readonly busy: boolean;
  /** Parameters the engine would refuse (see MessageView). */
  readonly blockedBy: string | null;
  readonly lastAnswer: boolean;
}) {
  const onEdit = useCallback((text: string) => usePlayground.getState().editAndResend(laneKey, message.id, text), [laneKey, message.id]);
  const onRegenerate = useCallback(() => usePlayground.getState().regenerate(laneKey), [laneKey]);
  return <MessageView message={message} canEdit={!busy} onEdit={onEdit} blockedBy={blockedBy} {...(lastAnswer && !busy ? { onRegenerate } : {})} />;
});

/** The lane's last request and response as sent and received; drawn only while open. */
function RawExchangeView({ laneKey }: { readonly laneKey: string }) {
  const raw = usePlayground((s) => s.lanes.find((l) => l.key === laneKey)?.raw ?? null);
  if (!raw) return null;
  const headers = Object.entries(raw.requestHeaders ?? {});
  return (
    <Stack gap="sm">
      <Text fw={600} size="sm">
        Request: POST /v1/chat/completions
      </Text>
      {headers.length > 0 && (
        <Code block fz="xs">
          {headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
        </Code>
      )}
      <Code block fz="xs">
        {JSON.stringify(raw.request, null, 2)}
      </Code>
      <Text fw={600} size="sm">
        Response {raw.response ? `${raw.response.status}` : '(waiting)'}
      </Text>
      {raw.response && (
        <Code block fz="xs">
          {Object.entries(raw.response.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}
        </Code>
      )}
      <Text fw={600} size="sm">
        Events ({raw.events.length}
        {raw.truncated ? ', later ones not kept' : ''})
      </Text>
      <Code block fz="xs" style={{ maxHeight: 320, overflow: 'auto' }}>
        {raw.events.map((e) => `${e.event === 'message' ? '' : `event: ${e.event}\n`}data: ${JSON.stringify(e.data)}`).join('\n\n')}
      </Code>
    </Stack>
  );
}
