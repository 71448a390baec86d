// @vitest-environment jsdom
/**
 * App keys in Settings: create one (shown once, with a copy button and the
 * engine's warnings), see it listed by name and prefix only, revoke it after a
 * confirmation; a refused name is said at the field and nothing is lost.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { AppKeyRecord } from '../../preload/contract.js';
import { AppKeysSection } from '../../renderer/features/settings/AppKeysSection.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useAppKeys } from '../../renderer/stores/app-keys.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fail, fakeTransport, ok } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
  useAppKeys.setState({ keys: null, required: false, loadError: null, names: [], creating: false, createError: null, created: null, revoking: {}, revokeErrors: {} });
});

const KEY = 'hp-app-0123456789abcdefghijklmnopqrstuv';

function engineDouble() {
  const fake = fakeTransport();
  let keys: AppKeyRecord[] = [];
  fake.on('keys', () => ok({ keys, required: keys.length > 0 }));
  fake.on('models', () => ok({ object: 'list', data: [{ id: 'stories260k', aliases: ['tiny'] }] }));
  fake.on('routing', () => ok({ routes: { chat: {} }, providers: {}, privacy: false }));
  fake.on('createKey', (params) => {
    const { name, models } = params as { name: string; models?: string[] };
    if (name.includes(' ')) return fail('invalid_value', 'An app key name is letters, digits, dots, dashes and underscores.');
    const record = { id: name, name, prefix: KEY.slice(0, 10), createdAt: new Date().toISOString(), ...(models ? { models } : {}) };
    keys = [...keys, record];
    // The engine's warning for a model list naming nothing served, given here for every key to show it is said.
    return ok({ key: KEY, record, warnings: [`No model or route is named "stories-typo" now.`] });
  });
  fake.on('revokeKey', (params) => {
    keys = keys.filter((k) => k.name !== (params as { name: string }).name);
    return ok({ revoked: (params as { name: string }).name, required: keys.length > 0 });
  });
  setTransport(fake.transport);
  render(
    <MantineProvider env="test">
      <AppKeysSection />
    </MantineProvider>,
  );
  return fake;
}

describe('AppKeysSection', () => {
  it('creates a key, shows it once with the engine\'s warnings, lists it without the key, and revokes it after a confirmation', async () => {
    const fake = engineDouble();
    expect(await screen.findByText('No app keys yet.')).toBeTruthy();
    expect(screen.getByText('open to apps on this machine')).toBeTruthy();
    expect(screen.getByText(/The first key switches the endpoint to keys/)).toBeTruthy();

    const create = screen.getByRole('button', { name: 'Create key' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('App name'), { target: { value: '  notes-app ' } });
    fireEvent.click(create);

    await waitFor(() => expect(fake.calls.some((c) => c.name === 'createKey')).toBe(true));
    // The model list (a TagsInput, driven in a real browser by test/e2e/app-keys.test.ts) is left empty: every model.
    expect(fake.calls.find((c) => c.name === 'createKey')?.params).toEqual({ name: 'notes-app' });
    const notice = await screen.findByRole('status', { name: /Key for “notes-app”: copy it now/ });
    expect(within(notice).getByLabelText('New key for notes-app').textContent).toBe(KEY);
    expect(within(notice).getByRole('button', { name: 'Copy key for notes-app' })).toBeTruthy();
    expect(within(screen.getByRole('status', { name: 'Check the model list of notes-app' })).getByText('No model or route is named "stories-typo" now.')).toBeTruthy();
    // The form is empty again; the list has the key by name and prefix only.
    expect((screen.getByLabelText('App name') as HTMLInputElement).value).toBe('');
    const table = await screen.findByRole('table', { name: 'App keys' });
    expect(within(table).getByText('notes-app')).toBeTruthy();
    expect(within(table).getByText(`${KEY.slice(0, 10)}…`)).toBeTruthy();
    expect(within(table).getByText('all')).toBeTruthy();
    expect(table.textContent).not.toContain(KEY);
    expect(screen.getByText('apps need a key')).toBeTruthy();

    // Done forgets the key: it is not shown again.
    fireEvent.click(within(notice).getByRole('button', { name: 'Done' }));
    expect(screen.queryByText(KEY)).toBeNull();
    expect(screen.queryByRole('status', { name: 'Check the model list of notes-app' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Revoke notes-app' }));
    expect(fake.calls.some((c) => c.name === 'revokeKey')).toBe(false);
    expect(screen.getByText('Apps using it get 401 at once.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Revoke notes-app now' }));
    expect(await screen.findByText('No app keys yet.')).toBeTruthy();
    expect(fake.calls.find((c) => c.name === 'revokeKey')?.params).toEqual({ name: 'notes-app' });
  });

  it('says a refused name at the field and keeps what was typed', async () => {
    engineDouble();
    await screen.findByText('No app keys yet.');
    fireEvent.change(screen.getByLabelText('App name'), { target: { value: 'my app' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText('An app key name is letters, digits, dots, dashes and underscores.')).toBeTruthy();
    expect((screen.getByLabelText('App name') as HTMLInputElement).value).toBe('my app');
    expect(screen.queryByRole('table', { name: 'App keys' })).toBeNull();
  });

  it('forgets a new key when the page is left', async () => {
    engineDouble();
    await screen.findByText('No app keys yet.');
    fireEvent.change(screen.getByLabelText('App name'), { target: { value: 'cli' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await screen.findByLabelText('New key for cli');
    cleanup();
    expect(useAppKeys.getState().created).toBeNull();
  });
});
