// @vitest-environment jsdom
/**
 * Playground parameters out of range. Before: Max tokens 0 (or -5) was
 * quietly changed to 1 when the box lost focus and the prompt went out with
 * max_tokens 1, a one-token answer and no word why. Now the value stays as
 * typed and is marked, Send waits and says what to fix, and the message the
 * user wrote stays in its box.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import type { PlaygroundMessage } from '../../renderer/stores/playground.js';
import { MessageView } from '../../renderer/features/playground/MessageView.js';
import { Composer, Toolbar } from '../../renderer/features/playground/PlaygroundPage.js';
import { samplingBlocker, samplingProblems } from '../../renderer/features/playground/sampling-limits.js';
import { SettingsPanel } from '../../renderer/features/playground/SettingsPanel.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { usePlayground } from '../../renderer/stores/playground.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport } from './playground-fakes.js';

beforeAll(installJsdomShims);
beforeEach(() => {
  setTransport(fakeTransport().transport);
  usePlayground.getState().setParameters({ temperature: 0.7, topP: undefined, maxTokens: 512, seed: undefined });
  usePlayground.setState((s) => ({ lanes: s.lanes.map((lane) => ({ ...lane, target: { kind: 'model' as const, id: 'stories' } })) }));
});
afterEach(() => {
  cleanup();
  setTransport(null);
});

const wrap = (node: ReactNode) => render(<MantineProvider env="test">{node}</MantineProvider>);

describe('samplingProblems', () => {
  it('marks values the engine would not take, and none for good or empty ones', () => {
    expect(samplingProblems({ maxTokens: 0 })).toEqual({ maxTokens: 'A whole number, 1 or more; empty uses the default.' });
    expect(Object.keys(samplingProblems({ maxTokens: -5, temperature: 3, topP: 0, seed: 1.5 })).sort()).toEqual(['maxTokens', 'seed', 'temperature', 'topP']);
    expect(samplingProblems({ maxTokens: 1, temperature: 0, topP: 1, seed: -3 })).toEqual({});
    expect(samplingProblems({})).toEqual({});
    expect(samplingBlocker({ maxTokens: 0, temperature: 9 })).toBe('Fix Temperature and Max tokens under Prompt and parameters, then send.');
    expect(samplingBlocker({ maxTokens: 64 })).toBeNull();
  });
});

describe('Max tokens 0 in the Playground', () => {
  it('stays as typed and is marked; Send waits, says why, and keeps the message', () => {
    wrap(
      <>
        <SettingsPanel />
        <Composer />
      </>,
    );
    const max = screen.getByRole('textbox', { name: 'Max tokens' }) as HTMLInputElement;
    fireEvent.change(max, { target: { value: '0' } });
    fireEvent.blur(max);
    expect(max.value).toBe('0');
    expect(usePlayground.getState().parameters.maxTokens).toBe(0);
    expect(screen.getByText('A whole number, 1 or more; empty uses the default.')).toBeTruthy();

    const message = screen.getByRole('textbox', { name: 'Message' }) as HTMLTextAreaElement;
    fireEvent.change(message, { target: { value: 'Once upon a time' } });
    fireEvent.keyDown(message, { key: 'Enter' });
    expect(message.value).toBe('Once upon a time');
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Fix Max tokens under Prompt and parameters, then send.')).toBeTruthy();
    expect(usePlayground.getState().lanes[0]?.messages).toHaveLength(0);

    fireEvent.change(max, { target: { value: '64' } });
    expect(screen.queryByText(/Fix Max tokens/)).toBeNull();
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(false);
  });
});

describe('answer figures', () => {
  it('says "1 token", not "1 tokens"', () => {
    const message = { id: 'm1', role: 'assistant', content: 'is', stats: { completionTokens: 1, tier: 'local', finishReason: 'length' } } as unknown as PlaygroundMessage;
    wrap(<MessageView message={message} canEdit={false} />);
    expect(screen.getByText('1 token')).toBeTruthy();
  });
});

describe('Save with nothing to save', () => {
  it('is off until the chat has a message (an empty chat was saved as an empty "New conversation")', () => {
    usePlayground.getState().newConversation();
    const { rerender } = wrap(<Toolbar />);
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    usePlayground.setState((s) => ({ lanes: s.lanes.map((lane, i) => (i === 0 ? { ...lane, messages: [{ id: 'u1', role: 'user' as const, content: 'Hello' }] } : lane)) }));
    rerender(
      <MantineProvider env="test">
        <Toolbar />
      </MantineProvider>,
    );
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
