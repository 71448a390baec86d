/**
 * Playground: chat with any model or route through the public endpoint, or
 * several side by side, with the figures of every answer; save, search and
 * export conversations; presets; copy the request as code.
 */
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Alert, Badge, Button, Group, Modal, SimpleGrid, Stack, Tabs, Text, Textarea, Title } from '@mantine/core';
import { CodeSnippet } from '../../components/CodeSnippet.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { usePlayground } from '../../stores/playground.js';
import { useReloadOnReconnect, useStatus } from '../../stores/status.js';
import { ROLE_COLORS } from '../../theme.js';
import { buildChatRequest } from './chat-request.js';
import { codeSnippet, type SnippetLanguage } from './code-snippets.js';
import { tierHeaders } from './forced-tier.js';
import { samplingBlocker } from './sampling-limits.js';
import { ConversationList } from './ConversationList.js';
import { DisabledWhileStreaming } from './DisabledWhileStreaming.js';
import { LaneColumn } from './LaneColumn.js';
import { SettingsPanel } from './SettingsPanel.js';
import { useStreaming } from './use-streaming.js';

export function PlaygroundPage() {
  // Only the lane keys: a streaming lane re-renders itself, not the page around it.
  const laneKeys = usePlayground(useShallow((s) => s.lanes.map((lane) => lane.key)));
  const targetsError = usePlayground((s) => s.targetsError);
  const targetCount = usePlayground((s) => s.targets.length);
  const error = usePlayground((s) => s.error);
  const { loadTargets, refreshConversations, refreshPresets, dismissError } = usePlayground.getState();
  // The Markdown renderer is a large chunk: fetch and parse it while idle, not when the first answer finishes; then,
  // in a later idle moment, run its parser once on a sample so the first block of an answer is not its first run.
  useEffect(() => {
    let cancelled = false;
    const cancels: (() => void)[] = [];
    const whenIdle = (work: () => void) => {
      if (typeof requestIdleCallback === 'function') {
        const handle = requestIdleCallback(work, { timeout: 3000 });
        cancels.push(() => cancelIdleCallback(handle));
      } else {
        const timer = setTimeout(work, 500);
        cancels.push(() => clearTimeout(timer));
      }
    };
    whenIdle(() => {
      void import('./Markdown.js').then((markdown) => {
        if (!cancelled) whenIdle(() => void markdown.warmUpMarkdown());
      });
    });
    return () => {
      cancelled = true;
      for (const cancel of cancels) cancel();
    };
  }, []);
  useEffect(() => {
    void loadTargets();
    void refreshConversations();
    void refreshPresets();
  }, [loadTargets, refreshConversations, refreshPresets]);
  useReloadOnReconnect(() => Promise.all([loadTargets(), refreshConversations(), refreshPresets()]));

  return (
    <Stack gap="md">
      <Toolbar />
      {targetsError && <ErrorNotice title="Could not list the models" message={targetsError.message} onRetry={() => void loadTargets()} />}
      {!targetsError && targetCount === 0 && (
        <Alert color="yellow" variant="light" title="No models to chat with yet">
          Load or download a model on the Models page; it shows up here.
        </Alert>
      )}
      {error && <ErrorNotice title="Something went wrong" message={error.message} onDismiss={dismissError} />}
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 300px', gap: 'var(--mantine-spacing-md)', alignItems: 'start' }}>
        <Stack gap="md" style={{ minWidth: 0 }}>
          <SimpleGrid cols={{ base: 1, md: Math.min(laneKeys.length, 3) }} spacing="sm">
            {laneKeys.map((key, i) => (
              <LaneColumn key={key} laneKey={key} index={i} laneCount={laneKeys.length} />
            ))}
          </SimpleGrid>
          <Composer />
        </Stack>
        <Stack gap="md">
          <SettingsPanel />
          <ConversationList />
        </Stack>
      </div>
    </Stack>
  );
}

export const Toolbar = memo(function Toolbar() {
  const title = usePlayground((s) => s.title);
  const dirty = usePlayground((s) => s.dirty);
  const notice = usePlayground((s) => s.notice);
  const laneCount = usePlayground((s) => s.lanes.length);
  // An empty chat is not saved (it only added an empty "New conversation" to the list); a preset keeps a prompt and parameters.
  const hasMessages = usePlayground((s) => s.lanes.some((lane) => lane.messages.length > 0));
  const { newConversation, save, addLane } = usePlayground.getState();
  const [codeOpen, setCodeOpen] = useState(false);
  const openCode = useCallback(() => setCodeOpen(true), []);
  const closeCode = useCallback(() => setCodeOpen(false), []);
  return (
    <Group justify="space-between" wrap="wrap" gap="xs">
      <Group gap="xs">
        <Title order={2}>Playground</Title>
        {title && (
          <Text c="dimmed" size="sm" truncate="end" maw={320}>
            {title}
          </Text>
        )}
        {notice && !dirty && (
          <Badge variant="light" color={ROLE_COLORS.ok} role="status">
            {notice}
          </Badge>
        )}
      </Group>
      <Group gap="xs">
        <DisabledWhileStreaming>
          <Button size="xs" variant="default" onClick={() => addLane()} disabled={laneCount >= 4}>
            Add model side by side
          </Button>
        </DisabledWhileStreaming>
        <Button size="xs" variant="default" onClick={openCode}>
          Copy as code
        </Button>
        <DisabledWhileStreaming>
          <Button size="xs" variant="default" onClick={newConversation}>
            New chat
          </Button>
          <Button size="xs" onClick={() => void save()} disabled={!hasMessages}>
            Save
          </Button>
        </DisabledWhileStreaming>
      </Group>
      <CodeDialog opened={codeOpen} onClose={closeCode} />
    </Group>
  );
});

/** The copy-as-code dialog: its own component, so the toolbar redrawing (title, saved) does not redraw it. */
const CodeDialog = memo(function CodeDialog({ opened, onClose }: { readonly opened: boolean; readonly onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Copy as code" size="xl">
      {opened && <CodeTabs />}
    </Modal>
  );
});

/** The first lane's last request (or, before any, the next one) as curl, Python and JavaScript. Mounted only while shown. */
function CodeTabs() {
  const lanes = usePlayground((s) => s.lanes);
  const systemPrompt = usePlayground((s) => s.systemPrompt);
  const parameters = usePlayground((s) => s.parameters);
  const forcedTier = usePlayground((s) => s.forcedTier);
  const baseUrl = useStatus((s) => s.status?.baseUrl ?? `${location.origin}/v1`);
  const lane = lanes[0];
  const body = useMemo(() => {
    if (!lane) return null;
    if (lane.raw) return lane.raw.request;
    const turns = lane.messages.map((m) => ({ role: m.role, content: m.content }));
    return buildChatRequest({ target: lane.target, systemPrompt, parameters, turns: turns.length ? turns : [{ role: 'user', content: 'Hello!' }] });
  }, [lane, systemPrompt, parameters]);
  const headers = lane?.raw ? (lane.raw.requestHeaders ?? {}) : tierHeaders(forcedTier);
  const languages: { value: SnippetLanguage; label: string }[] = [
    { value: 'curl', label: 'curl' },
    { value: 'python', label: 'Python' },
    { value: 'javascript', label: 'JavaScript' },
  ];
  return (
    <>
      {body && (
        <Tabs defaultValue="curl">
          <Tabs.List>
            {languages.map((l) => (
              <Tabs.Tab key={l.value} value={l.value}>
                {l.label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {languages.map((l) => (
            <Tabs.Panel key={l.value} value={l.value} pt="sm">
              <CodeSnippet code={codeSnippet(l.value, { baseUrl, body, headers })} what={`${l.label} snippet`} />
            </Tabs.Panel>
          ))}
        </Tabs>
      )}
    </>
  );
}

export const Composer = memo(function Composer() {
  const [text, setText] = useState('');
  const busy = useStreaming();
  const canSend = usePlayground((s) => s.lanes.some((l) => l.target.id));
  const blocker = usePlayground((s) => samplingBlocker(s.parameters));
  const { send, stop } = usePlayground.getState();
  const submit = () => {
    // The message stays in the box until it can go.
    if (!text.trim() || busy || blocker) return;
    send(text);
    setText('');
  };
  return (
    <Stack gap={4}>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <Textarea
          aria-label="Message"
          placeholder="Write a message… (Enter sends, Shift+Enter for a new line)"
          // Grows with its text in CSS (app.css), not by measuring in script: a measure after Send forced a layout of the whole page.
          classNames={{ input: 'hp-grow-input' }}
          rows={2}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
          style={{ flex: 1 }}
        />
        {busy ? (
          <Button color="red" onClick={stop}>
            Stop
          </Button>
        ) : (
          <Button onClick={submit} disabled={!text.trim() || !canSend || blocker !== null}>
            Send
          </Button>
        )}
      </Group>
      {blocker && (
        <Text size="sm" c="red" role="status">
          {blocker}
        </Text>
      )}
    </Stack>
  );
});
