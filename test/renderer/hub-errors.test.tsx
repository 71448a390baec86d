// @vitest-environment jsdom
/**
 * The Hugging Face panel: unreachable (no network) says what to check, not only
 * the resolver's words; each result is a list item holding a button (it was a
 * button given the list-item role, which hid it as a button from assistive tech).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { HubPanel } from '../../renderer/features/models/HubPanel.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useModels } from '../../renderer/stores/models.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fail, fakeTransport, ok } from './playground-fakes.js';

/** The panel on an empty search, talking to `fake`. */
function renderHub(fake: ReturnType<typeof fakeTransport>): void {
  setTransport(fake.transport);
  useModels.setState({ hub: { query: '', searching: false, results: null, error: null, repos: {} } });
  render(
    <MantineProvider env="test">
      <HubPanel />
    </MantineProvider>,
  );
}

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

describe('HubPanel when Hugging Face cannot be reached', () => {
  it('says to check the internet connection and where the models on disk are', async () => {
    const fake = fakeTransport();
    fake.on('searchHub', () => fail('hub_unreachable', 'Could not reach Hugging Face at https://huggingface.co: getaddrinfo ENOTFOUND huggingface.co'));
    renderHub(fake);
    expect(await screen.findByText('Hugging Face search failed')).toBeTruthy();
    expect(screen.getByText(/check its internet connection \(or proxy\), then try again/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

describe('HubPanel results', () => {
  it('lists each repository as an item holding a button named by the repository', async () => {
    const fake = fakeTransport();
    fake.on('searchHub', () => ok({ results: [{ id: 'ggml-org/tiny-llamas', downloads: 10, likes: 2, gated: false }] }));
    renderHub(fake);
    const list = await screen.findByRole('list', { name: 'Search results' });
    const [item] = await within(list).findAllByRole('listitem');
    expect(within(item!).getByRole('button', { name: /ggml-org\/tiny-llamas/ })).toBeTruthy();
  });
});
