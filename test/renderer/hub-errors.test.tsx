// @vitest-environment jsdom
/** Hugging Face unreachable (no network): the notice says what to check, not only the resolver's words. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { HubPanel } from '../../renderer/features/models/HubPanel.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useModels } from '../../renderer/stores/models.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fail, fakeTransport } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

describe('HubPanel when Hugging Face cannot be reached', () => {
  it('says to check the internet connection and where the models on disk are', async () => {
    const fake = fakeTransport();
    fake.on('searchHub', () => fail('hub_unreachable', 'Could not reach Hugging Face at https://huggingface.co: getaddrinfo ENOTFOUND huggingface.co'));
    setTransport(fake.transport);
    useModels.setState({ hub: { query: '', searching: false, results: null, error: null, repos: {} } });
    render(
      <MantineProvider env="test">
        <HubPanel />
      </MantineProvider>,
    );
    expect(await screen.findByText('Hugging Face search failed')).toBeTruthy();
    expect(screen.getByText(/check its internet connection \(or proxy\), then try again/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});
