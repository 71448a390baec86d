// @vitest-environment jsdom
/**
 * What a streaming answer redraws on the Playground page, counted by component: starting and ending a stream
 * must not redraw the model picker (a combobox with its popover) or the dialogs, since they are the heavy part of
 * the render in the task that shows the answer; a streamed frame redraws the growing answer and nothing else. The
 * controls are still disabled while streaming (by a fieldset) and enabled after.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { ComponentType } from 'react';
import { setTransport } from '../../renderer/lib/transport.js';
import { fakeTransport, ok } from './playground-fakes.js';
import { installJsdomShims } from './jsdom-shims.js';

const renders = vi.hoisted(() => new Map<string, number>());

vi.mock('@mantine/core', async (importOriginal) => {
  const core = await importOriginal<Record<string, unknown>>();
  const counted = (name: string) => {
    const Original = core[name] as ComponentType<Record<string, unknown>>;
    const Counted = (props: Record<string, unknown>) => {
      renders.set(name, (renders.get(name) ?? 0) + 1);
      return <Original {...props} />;
    };
    return Object.assign(Counted, Original);
  };
  return { ...core, Select: counted('Select'), Modal: counted('Modal'), Paper: counted('Paper') };
});

const { MantineProvider } = await import('@mantine/core');
const { PlaygroundPage } = await import('../../renderer/features/playground/PlaygroundPage.js');

beforeAll(installJsdomShims);
afterAll(() => {
  cleanup();
  setTransport(null);
  vi.unstubAllGlobals();
});

const wait = (ms: number) => act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));
const event = (data: unknown) => new TextEncoder().encode(`data: ${JSON.stringify(data)}\n\n`);
const counts = () => Object.fromEntries(renders);
const disabled = (element: Element) => element.matches(':disabled');

describe('a streaming answer on the Playground page', () => {
  it('redraws the answer, not the picker or the dialogs, from Send to the end; the controls are disabled meanwhile', async () => {
    const fake = fakeTransport();
    fake.on('models', () => ok({ object: 'list', data: [{ id: 'stories-a', state: 'loaded' }] }));
    fake.on('routing', () => ok({ routes: {} }));
    fake.on('conversations', () => ok({ object: 'list', data: [] }));
    fake.on('presets', () => ok({ object: 'list', data: [] }));
    fake.on('request', () => ok({ finalTier: 'local', finalTarget: 'local:stories-a', cache: { result: 'miss' } }));
    setTransport(fake.transport);
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (controller) => void (body = controller) });
    vi.stubGlobal('fetch', async () => new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'x-request-id': 'req_1' } }));

    render(
      <MantineProvider>
        <PlaygroundPage />
      </MantineProvider>,
    );
    await wait(20);
    const picker = screen.getByRole('combobox', { name: 'Model or route' });
    expect((picker as HTMLInputElement).value).toBe('stories-a');
    fireEvent.change(screen.getByRole('textbox', { name: 'Message' }), { target: { value: 'Tell me a story' } });

    renders.clear();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    });
    await wait(10);
    // The question and the answer (empty, then with the response's figures) drawn; the picker and the dialogs left alone.
    expect(Object.keys(counts())).toEqual(['Paper']);
    expect(screen.getAllByLabelText(/^(Your message|Answer)$/)).toHaveLength(2);
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy();
    for (const control of [picker, screen.getByRole('button', { name: 'Save' }), screen.getByRole('button', { name: 'New chat' }), screen.getByRole('button', { name: 'Add model side by side' })]) expect(disabled(control)).toBe(true);
    expect(disabled(screen.getByRole('button', { name: 'Copy as code' }))).toBe(false);

    renders.clear();
    for (const word of ['Once', ' upon', ' a', ' time']) body.enqueue(event({ choices: [{ delta: { content: word } }] }));
    await wait(120);
    // One frame (or a few) of text: only the answer's box is redrawn.
    expect(Object.keys(counts())).toEqual(['Paper']);
    expect(screen.getByLabelText('Answer').textContent).toContain('Once upon a time');

    renders.clear();
    body.enqueue(event({ choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 4 } }));
    body.close();
    await wait(120);
    expect(counts().Select ?? 0).toBe(0);
    expect(counts().Modal ?? 0).toBe(0);
    expect(screen.getByRole('button', { name: 'Send' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Regenerate' })).toBeTruthy();
    for (const control of [picker, screen.getByRole('button', { name: 'Save' }), screen.getByRole('button', { name: 'New chat' })]) expect(disabled(control)).toBe(false);
  });
});
