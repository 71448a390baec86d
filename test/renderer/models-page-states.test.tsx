// @vitest-environment jsdom
/**
 * The Models page while the library is first read (a scan takes seconds):
 * before, the served model stood alone with a blank fit and nothing said the
 * rest was coming; now a line says the library is being read.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ModelView } from '../../preload/contract.js';
import { ModelsPage } from '../../renderer/features/models/ModelsPage.js';
import { setTransport } from '../../renderer/lib/transport.js';
import { useModels } from '../../renderer/stores/models.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport, ok } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  setTransport(null);
});

const model: ModelView = {
  id: 'stories260k',
  aliases: [],
  runtime: 'embedded:stories260k',
  ownedBy: 'homeport-embedded',
  state: 'loaded',
  sizeBytes: 1_185_376,
  contextLength: 2048,
  parallel: 4,
  port: 40000,
  inFlight: 0,
  lastUsedAt: null,
  idleUnloadAt: null,
  lastError: null,
  features: null,
};

const EMPTY_LIBRARY = { scannedAt: 1, folders: [], models: [], broken: [] };

/** The Models page over a transport double serving `served`; `library` answers the library call (at once by default). */
function show(served: ModelView[], library: () => unknown = () => ok(EMPTY_LIBRARY)) {
  const fake = fakeTransport();
  fake.on('models', () => ok({ object: 'list', data: served }));
  fake.on('library', library as never);
  fake.on('decisions', () => ok({ object: 'list', data: [] }));
  fake.on('downloads', () => ok({ downloads: [] }));
  fake.on('modelFolders', () => ok({ folders: [] }));
  setTransport(fake.transport);
  useModels.setState({ served: null, library: null, libraryError: null, servedError: null });
  render(
    <MantineProvider env="test">
      <ModelsPage />
    </MantineProvider>,
  );
}

describe('Models page while the library is read', () => {
  it('says the library is being read, then stops saying it', async () => {
    let answerLibrary: (value: unknown) => void = () => undefined;
    show([model], () => new Promise((resolve) => (answerLibrary = resolve)));
    expect(await screen.findByText(/Reading the model library/)).toBeTruthy();
    answerLibrary(ok(EMPTY_LIBRARY));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByText(/Reading the model library/)).toBeNull();
  });
});

describe('Models page serving only the demo model', () => {
  it('says what the demo is and leads to a real model; the row says "bundled demo"', async () => {
    show([{ ...model, demo: true }]);
    expect(await screen.findByRole('status', { name: 'Only the demo model so far' })).toBeTruthy();
    expect(screen.getByText(/^bundled demo/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Find a model' }));
    expect(screen.getByRole('tab', { name: /Download/, selected: true })).toBeTruthy();
  });

  it('says nothing of the kind once a model of the user\'s own is served beside it', async () => {
    show([{ ...model, demo: true }, { ...model, id: 'qwen2.5-7b', runtime: 'embedded:qwen2.5-7b' }]);
    expect(await screen.findByText('qwen2.5-7b')).toBeTruthy();
    expect(screen.queryByRole('status', { name: 'Only the demo model so far' })).toBeNull();
  });
});

describe('Models page with a model loaded outside Homeport', () => {
  it('offers no Unload for it (Homeport cannot unload it) and says why; its own models keep theirs', async () => {
    show([{ ...model, id: 'llama-server/mine', runtime: 'llama-server@127.0.0.1:8080', ownedBy: 'llama-server', externallyManaged: true }, model]);
    expect(await screen.findByLabelText('llama-server/mine runs outside Homeport: it cannot be unloaded here')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Unload llama-server/mine' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Unload stories260k' })).toBeTruthy();
  });
});
