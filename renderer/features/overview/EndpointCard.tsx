/** The endpoint an app points at, and the two lines to change in curl, Python and JavaScript. */
import { useState } from 'react';
import { Anchor, Card, Code, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import type { EngineStatus } from '../../../preload/contract.js';
import { CodeSnippet } from '../../components/CodeSnippet.js';
import { CopyButton } from '../../components/CopyButton.js';
import { SNIPPET_LABELS, snippet, type SnippetLanguage } from './snippets.js';

/** A model to put in the snippet: one that is loaded, else the first one known. */
export function snippetModel(status: EngineStatus): string | null {
  const ready = status.runtimes.find((r) => r.state === 'ready' && r.models.length > 0);
  return ready?.models[0] ?? status.models[0]?.model ?? null;
}

export function EndpointCard({ status }: { readonly status: EngineStatus }) {
  const [language, setLanguage] = useState<SnippetLanguage>('python');
  const model = snippetModel(status);
  return (
    <Card>
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Stack gap={4}>
          <Title order={4}>Your endpoint</Title>
          <Text size="sm" c="dimmed">
            Any OpenAI-compatible app works: set its base URL to this, any API key.
          </Text>
        </Stack>
        <Group gap={6} wrap="nowrap">
          <Code fz="md" px="sm" py={6}>
            {status.baseUrl}
          </Code>
          <CopyButton value={status.baseUrl} what="endpoint URL" withLabel />
        </Group>
      </Group>
      {model ? (
        <Stack gap="xs" mt="md">
          <Group justify="space-between" wrap="wrap">
            <SegmentedControl
              size="xs"
              value={language}
              onChange={(value) => setLanguage(value as SnippetLanguage)}
              data={(Object.keys(SNIPPET_LABELS) as SnippetLanguage[]).map((value) => ({ value, label: SNIPPET_LABELS[value] }))}
              aria-label="Snippet language"
            />
            <Text size="xs" c="dimmed">
              model <Code fz="xs">{model}</Code>
            </Text>
          </Group>
          <CodeSnippet code={snippet(language, status.baseUrl, model)} what={`${SNIPPET_LABELS[language]} snippet`} />
        </Stack>
      ) : (
        <Text size="sm" mt="md">
          No model to call yet — <Anchor href="#/models">add or download one on the Models page</Anchor>.
        </Text>
      )}
    </Card>
  );
}
