// @vitest-environment jsdom
/**
 * Out-of-range sampling parameters hold back every control that sends, not
 * only Send: Regenerate and Send edited are off and say what to fix, and the
 * store itself sends nothing the engine would refuse (before, Regenerate cut
 * the answer and sent max_tokens 0 for the engine to reject).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ChatStreamer } from '../../renderer/features/playground/chat-stream.js';
import { LaneColumn } from '../../renderer/features/playground/LaneColumn.js';
import { MessageView } from '../../renderer/features/playground/MessageView.js';
import { samplingBlocker, samplingFieldsToFix } from '../../renderer/features/playground/sampling-limits.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { createPlaygroundStore, usePlayground, type PlaygroundMessage } from '../../renderer/stores/playground.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport, manualFrames } from './playground-fakes.js';

beforeAll(installJsdomShims);
beforeEach(() => setTransport(fakeTransport().transport));
afterEach(() => {
  cleanup();
  setTransport(null);
});

const wrap = (node: ReactNode) => render(<MantineProvider env="test">{node}</MantineProvider>);

const chat: PlaygroundMessage[] = [
  { id: 'u1', role: 'user', content: 'Once upon a time' },
  { id: 'a1', role: 'assistant', content: 'there was a fox.', stats: { model: 'stories' } },
];

/** A store with a streamer that only counts the requests it is given. */
function storeWithChat() {
  const sent: unknown[] = [];
  const streamer: ChatStreamer = (request) => {
    sent.push(request.body);
    return () => undefined;
  };
  const { usePlayground: store } = createPlaygroundStore({ transport: () => fakeTransport().transport, streamer, endpoint: () => '/v1', scheduler: manualFrames() });
  store.setState((s) => ({ lanes: s.lanes.map((lane) => ({ ...lane, target: { kind: 'model' as const, id: 'stories' }, messages: chat })) }));
  return { store, sent };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the words', () => {
  it('name the parameters and what the control would have done', () => {
    expect(samplingFieldsToFix({ maxTokens: 0, temperature: 9 })).toBe('Temperature and Max tokens');
    expect(samplingFieldsToFix({ maxTokens: 64 })).toBeNull();
    expect(samplingBlocker({ maxTokens: 0 }, 'regenerate')).toBe('Fix Max tokens under Prompt and parameters, then regenerate.');
    expect(samplingBlocker({ topP: 0 }, 'resend')).toBe('Fix top_p under Prompt and parameters, then send the edit.');
    expect(samplingBlocker({ seed: 0.5 })).toBe('Fix Seed under Prompt and parameters, then send.');
  });
});

describe('the playground store with out-of-range parameters', () => {
  it('neither regenerates nor resends an edit, keeps the chat as it was, and says why', async () => {
    const { store, sent } = storeWithChat();
    store.getState().setParameters({ maxTokens: 0 });
    const laneKey = store.getState().lanes[0]!.key;

    store.getState().regenerate(laneKey);
    await settle();
    expect(sent).toHaveLength(0);
    expect(store.getState().lanes[0]!.messages).toEqual(chat);
    expect(store.getState().error?.message).toBe('Fix Max tokens under Prompt and parameters, then regenerate.');

    store.getState().editAndResend(laneKey, 'u1', 'Once upon a midnight');
    await settle();
    expect(sent).toHaveLength(0);
    expect(store.getState().lanes[0]!.messages).toEqual(chat);
    expect(store.getState().error?.message).toBe('Fix Max tokens under Prompt and parameters, then send the edit.');

    store.getState().send('And then?');
    await settle();
    expect(sent).toHaveLength(0);
    expect(store.getState().lanes[0]!.messages).toEqual(chat);

    // Once fixed, Regenerate goes out.
    store.getState().setParameters({ maxTokens: 64 });
    store.getState().regenerate(laneKey);
    await settle();
    expect(sent).toEqual([expect.objectContaining({ max_tokens: 64 })]);
  });
});

describe('MessageView with out-of-range parameters', () => {
  it('offers Regenerate switched off, saying why, and does not call it', () => {
    let regenerated = 0;
    wrap(<MessageView message={chat[1]!} canEdit onRegenerate={() => (regenerated += 1)} blockedBy="Max tokens" />);
    const button = screen.getByRole('button', { name: 'Regenerate' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(document.getElementById(button.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Fix Max tokens under Prompt and parameters, then regenerate.');
    fireEvent.click(button);
    expect(regenerated).toBe(0);
  });

  it('keeps Send edited off with the reason under the edit, and the edit in its box', () => {
    const edits: string[] = [];
    wrap(<MessageView message={chat[0]!} canEdit onEdit={(text) => edits.push(text)} blockedBy="Temperature" />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit message' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Edited message' }), { target: { value: 'Once upon a midnight' } });
    const send = screen.getByRole('button', { name: 'Send edited' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(document.getElementById(send.getAttribute('aria-describedby') ?? '')?.textContent).toBe('Fix Temperature under Prompt and parameters, then send the edit.');
    fireEvent.click(send);
    expect(edits).toEqual([]);
    expect((screen.getByRole('textbox', { name: 'Edited message' }) as HTMLTextAreaElement).value).toBe('Once upon a midnight');
  });

  it('offers both as before when the parameters can be sent', () => {
    let regenerated = 0;
    wrap(<MessageView message={chat[1]!} canEdit onRegenerate={() => (regenerated += 1)} blockedBy={null} />);
    const button = screen.getByRole('button', { name: 'Regenerate' });
    expect(button.getAttribute('aria-disabled')).toBeNull();
    fireEvent.click(button);
    expect(regenerated).toBe(1);
  });
});

describe('a lane with out-of-range parameters', () => {
  it('switches off Regenerate on its last answer and on again once the parameters are fixed', () => {
    usePlayground.getState().newConversation();
    usePlayground.setState((s) => ({ lanes: s.lanes.map((lane, i) => (i === 0 ? { ...lane, target: { kind: 'model' as const, id: 'stories' }, messages: chat } : lane)) }));
    usePlayground.getState().setParameters({ temperature: 3 });
    const laneKey = usePlayground.getState().lanes[0]!.key;
    wrap(<LaneColumn laneKey={laneKey} index={0} laneCount={1} />);
    expect(screen.getByRole('button', { name: 'Regenerate' }).getAttribute('aria-disabled')).toBe('true');
    act(() => usePlayground.getState().setParameters({ temperature: 0.7 }));
    expect(screen.getByRole('button', { name: 'Regenerate' }).getAttribute('aria-disabled')).toBeNull();
  });
});
