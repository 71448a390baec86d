/** Saved conversations: search, open, export (JSON or Markdown), delete. */
import { memo } from 'react';
import { Button, Card, Group, Menu, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { EmptyState } from '../../components/EmptyState.js';
import { formatRelativeTime } from '../../lib/format.js';
import { usePlayground } from '../../stores/playground.js';

export const ConversationList = memo(function ConversationList() {
  const conversations = usePlayground((s) => s.conversations);
  const search = usePlayground((s) => s.search);
  const currentId = usePlayground((s) => s.conversationId);
  const { setSearch, open, remove, exportConversation } = usePlayground.getState();

  async function download(id: string, title: string, format: 'json' | 'markdown') {
    const text = await exportConversation(id, format);
    if (!text) return;
    const blob = new Blob([text], { type: format === 'json' ? 'application/json' : 'text/markdown' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${title.replace(/[^\w-]+/g, '-').slice(0, 60) || 'conversation'}.${format === 'json' ? 'json' : 'md'}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return (
    <Card component="section" aria-label="Saved conversations" p="sm">
      <Stack gap="xs">
        <Title order={5}>Saved conversations</Title>
        <TextInput aria-label="Search conversations" placeholder="Search titles and messages" value={search} onChange={(e) => setSearch(e.currentTarget.value)} size="xs" />
        {/* A native scroller: the library's scroll area widened its content to the longest title, so titles were not cut and a horizontal bar covered the second line. */}
        <div style={{ maxHeight: 260, overflowY: 'auto', overflowX: 'hidden' }}>
          {conversations.length === 0 ? (
            <EmptyState title={search ? 'Nothing matches' : 'None saved yet'}>{search ? 'Try other words.' : 'Press Save to keep this conversation.'}</EmptyState>
          ) : (
            <Stack gap={2} role="list">
              {conversations.map((c) => (
                <Group key={c.id} gap={4} wrap="nowrap" role="listitem" justify="space-between">
                  <UnstyledButton onClick={() => void open(c.id)} style={{ flex: 1, minWidth: 0 }} aria-current={c.id === currentId ? 'true' : undefined} aria-label={`Open ${c.title}`}>
                    <Text size="sm" truncate="end" fw={c.id === currentId ? 600 : 400}>
                      {c.title}
                    </Text>
                    <Text size="xs" c="dimmed" truncate="end">
                      {c.targets.map((t) => t.id).join(' · ')} · {formatRelativeTime(c.updatedAt)}
                    </Text>
                  </UnstyledButton>
                  <Menu position="bottom-end" withinPortal>
                    <Menu.Target>
                      <Button size="compact-xs" variant="subtle" aria-label={`More for ${c.title}`}>
                        ⋯
                      </Button>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => void download(c.id, c.title, 'json')}>Export JSON</Menu.Item>
                      <Menu.Item onClick={() => void download(c.id, c.title, 'markdown')}>Export Markdown</Menu.Item>
                      <Menu.Item color="red" onClick={() => void remove(c.id)}>
                        Delete
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Group>
              ))}
            </Stack>
          )}
        </div>
      </Stack>
    </Card>
  );
});
