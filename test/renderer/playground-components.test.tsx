// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import type { RequestRecord } from '../../preload/contract.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { MessageView } from '../../renderer/features/playground/MessageView.js';
import { RequestLog } from '../../renderer/features/routing/RequestLog.js';
import { useRequests } from '../../renderer/stores/requests.js';
import { fakeTransport, ok } from './playground-fakes.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

const wrap = (node: ReactNode) => render(<MantineProvider>{node}</MantineProvider>);

function record(id: string, patch: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id,
    time: Date.parse('2026-01-01T10:00:00Z'),
    client: 'openai-python/1.0',
    route: 'chat',
    model: 'chat',
    endpoint: 'chat.completions',
    stream: true,
    phase: 'done',
    attempts: [
      { target: 'cache', tier: 'cache', outcome: 'miss', reason: 'no entry for this request' },
      { target: 'local:stories', tier: 'local', outcome: 'answered', reason: 'local:stories 0/2 slots busy', ms: 80 },
    ],
    finalTier: 'local',
    finalTarget: 'local:stories',
    cache: { result: 'miss' },
    ttftMs: 12,
    durationMs: 90,
    promptTokens: 5,
    completionTokens: 20,
    decodeTokPerSec: 250,
    costUsd: 0,
    savedUsd: 0.0012,
    status: 200,
    ...patch,
  };
}

describe('request log table', () => {
  it('shows each request with its tier and reason, and opens its trace on click', async () => {
    const fake = fakeTransport();
    fake.on('request', () => ok(record('req_1')));
    setTransport(fake.transport);
    useRequests.setState({ records: [record('req_2', { finalTier: 'cache', finalTarget: 'cache', attempts: [{ target: 'cache', tier: 'cache', outcome: 'hit', reason: 'exact match' }] }), record('req_1')] });
    wrap(<RequestLog />);
    const table = screen.getByRole('table', { name: 'Requests' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('cache');
    expect(rows[0]!.textContent).toContain('exact match');
    expect(rows[1]!.textContent).toContain('local:stories 0/2 slots busy');
    fireEvent.click(rows[1]!);
    const trace = await screen.findByRole('table', { name: 'Targets tried' });
    const steps = within(trace).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(steps[0]).toContain('miss');
    expect(steps[1]).toContain('answered');
    expect(fake.calls).toContainEqual({ name: 'request', params: { id: 'req_1' } });
  });

  it('says what to do when there is nothing yet, and when filters hide everything', () => {
    setTransport(fakeTransport().transport);
    useRequests.setState({ records: [], filters: { tier: null, model: '', route: '', since: null } });
    wrap(<RequestLog />);
    expect(screen.getByText('No requests yet')).toBeTruthy();
    cleanup();
    useRequests.setState({ records: [], filters: { tier: 'cloud', model: '', route: '', since: null } });
    wrap(<RequestLog />);
    expect(screen.getByText('No requests match these filters')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'Clear filters' }).length).toBeGreaterThan(0);
  });
});

describe('a Playground message', () => {
  it('shows streaming text plainly with live figures', () => {
    wrap(<MessageView canEdit={false} message={{ id: 'm', role: 'assistant', content: 'Once\nupon', streaming: true, stats: { model: 'stories', tier: 'local', ttftMs: 42, tokensPerSecond: 123.4, completionTokens: 9 } }} />);
    const answer = screen.getByLabelText('Answer');
    expect(answer.textContent).toContain('Once');
    expect(answer.textContent).toContain('TTFT 42 ms');
    expect(answer.textContent).toMatch(/123 tok\/s/);
    expect(answer.textContent).toContain('9 tokens');
    expect(answer.textContent).toContain('generating');
  });

  it('renders a finished answer as Markdown with tables and code blocks', async () => {
    const content = 'Here:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nconsole.log(1)\n```';
    wrap(<MessageView canEdit={false} message={{ id: 'm', role: 'assistant', content, stats: { model: 'stories', cache: 'hit', tier: 'cache' } }} />);
    expect(await screen.findByRole('table')).toBeTruthy();
    expect(screen.getByText('console.log(1)').tagName).toBe('CODE');
    expect(screen.getByLabelText('Answer').textContent).toContain('cache hit');
  });

  it('draws a streaming answer as Markdown block by block: finished blocks parsed, the growing last one plain until it ends', async () => {
    const first = `The **first** part. ${'A sentence to fill the block. '.repeat(16)}`.trim();
    const content = `${first}\n\nThe **last** part, still growing`;
    const message = { id: 'm', role: 'assistant' as const, content, streaming: true, stats: { model: 'stories' } };
    const view = wrap(<MessageView canEdit={false} message={message} />);
    await waitFor(() => expect(screen.getByText('first').tagName).toBe('STRONG'));
    expect(screen.getByLabelText('Answer').textContent).toContain('The **last** part, still growing');
    view.rerender(
      <MantineProvider env="test">
        <MessageView canEdit={false} message={{ ...message, streaming: false }} />
      </MantineProvider>,
    );
    await waitFor(() => expect(screen.getByText('last').tagName).toBe('STRONG'));
    expect(screen.getByLabelText('Answer').textContent).not.toContain('**');
  });

  it('edits a user message and hands the new text back', () => {
    let sent = '';
    wrap(<MessageView canEdit message={{ id: 'u', role: 'user', content: 'hello' }} onEdit={(text) => (sent = text)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit message' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Edited message' }), { target: { value: 'hello again' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send edited' }));
    expect(sent).toBe('hello again');
  });
});
