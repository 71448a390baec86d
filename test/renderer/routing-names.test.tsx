// @vitest-environment jsdom
/**
 * Route and provider names are the routing config's keys: two routes with the
 * same name used to be saved as one ("Saved and applied", the other route and
 * its targets gone), and an empty name came back as "routes.: Invalid key in
 * record". The editor now stops both before sending, keeping the draft.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { RouteEditor } from '../../renderer/features/routing/RouteEditor.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { createRoutingStore, draftProblems, useRouting } from '../../renderer/stores/routing.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport, ok } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('draftProblems', () => {
  it('names empty and repeated names by field, and nothing when the names are fine', () => {
    const draft = {
      routes: [
        { name: 'chat', route: { targets: ['local:a'] } },
        { name: 'chat ', route: { targets: ['local:b'] } },
        { name: '', route: { targets: [] } },
      ],
      providers: [{ name: 'openai', provider: { baseUrl: 'https://api.openai.com/v1' } }],
    };
    const problems = draftProblems(draft);
    expect(Object.keys(problems).sort()).toEqual(['routes.', 'routes.chat', 'routes.chat ']);
    expect(problems['routes.chat']).toContain('Two routes are named “chat”');
    expect(problems['routes.']).toContain('Give this route a name');
    expect(draftProblems({ routes: [{ name: 'chat', route: { targets: [] } }], providers: [{ name: 'a', provider: { baseUrl: '' } }, { name: 'b', provider: { baseUrl: '' } }] })).toEqual({});
  });
});

describe('routing store save with bad names', () => {
  it('sends nothing and keeps both routes when two share a name', async () => {
    const fake = fakeTransport();
    fake.on('updateRouting', (body) => ok(body));
    const store = createRoutingStore({ transport: () => fake.transport });
    store.getState().addRoute();
    store.getState().addRoute();
    store.getState().editRoute(0, { name: 'chat', targets: ['local:nope'] });
    store.getState().editRoute(1, { name: 'chat', targets: ['local:stories'] });
    expect(await store.getState().save()).toBe(false);
    expect(fake.calls.filter((c) => c.name === 'updateRouting')).toHaveLength(0);
    const state = store.getState();
    expect(state.draft.routes.map((r) => [r.name, r.route.targets])).toEqual([
      ['chat', ['local:nope']],
      ['chat', ['local:stories']],
    ]);
    expect(state.dirty).toBe(true);
    expect(state.saved).toBeNull();
    expect(state.saveError?.message).toContain('needs a name of its own');
    expect(state.fieldErrors['routes.chat']).toContain('Two routes are named “chat”');
  });

  it('saves once the names differ', async () => {
    const fake = fakeTransport();
    fake.on('updateRouting', (body) => ok(body));
    const store = createRoutingStore({ transport: () => fake.transport });
    store.getState().addRoute();
    store.getState().addRoute();
    store.getState().editRoute(0, { name: 'chat' });
    store.getState().editRoute(1, { name: 'chat' });
    await store.getState().save();
    store.getState().editRoute(1, { name: 'chat-2' });
    expect(await store.getState().save()).toBe(true);
    const body = fake.calls.find((c) => c.name === 'updateRouting')?.params as { routes: Record<string, unknown> };
    expect(Object.keys(body.routes)).toEqual(['chat', 'chat-2']);
  });
});

describe('RouteEditor with bad names', () => {
  it('shows under each name field what to do, without sending', async () => {
    const fake = fakeTransport();
    fake.on('updateRouting', (body) => ok(body));
    setTransport(fake.transport);
    useRouting.getState().discard();
    render(
      <MantineProvider env="test">
        <RouteEditor />
      </MantineProvider>,
    );
    fireEvent.click(screen.getAllByRole('button', { name: 'Add route' })[0]!);
    fireEvent.click(screen.getAllByRole('button', { name: 'Add route' })[0]!);
    const names = screen.getAllByRole('textbox', { name: 'Route name' });
    fireEvent.change(names[0]!, { target: { value: 'chat' } });
    fireEvent.change(names[1]!, { target: { value: 'chat' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and apply' }));
    await tick();
    expect(within(screen.getByRole('alert')).getByText(/needs a name of its own/)).toBeTruthy();
    expect(screen.getAllByText('Two routes are named “chat”: give each its own name, or remove one.')).toHaveLength(2);
    expect(fake.calls.filter((c) => c.name === 'updateRouting')).toHaveLength(0);
    expect(screen.getAllByRole('textbox', { name: 'Route name' })).toHaveLength(2);
    // Fixing a name clears the marks and the notice at once.
    fireEvent.change(screen.getAllByRole('textbox', { name: 'Route name' })[1]!, { target: { value: 'chat-2' } });
    expect(screen.queryByText(/Two routes are named/)).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
