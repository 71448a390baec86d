// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { useState } from 'react';
import type { LibraryView, Result } from '../../preload/contract.js';
import { LibraryFolders } from '../../renderer/features/models/LibraryFolders.js';
import { folderOutcome } from '../../renderer/features/models/folder-outcome.js';
import { createModelsStore } from '../../renderer/stores/models.js';
import { fakeTransport, ok } from './playground-fakes.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

type Root = LibraryView['roots'][number];

function libraryOf(roots: readonly Root[], modelFiles: readonly string[] = []): LibraryView {
  return {
    scannedAt: Date.now(),
    roots,
    models: modelFiles.map((file, i) => ({ id: `m${i}`, files: [file] })),
    broken: [],
    skipped: [],
  } as unknown as LibraryView;
}

/**
 * The folders card with a fake engine: saving waits until the test opens the gate, then the
 * list and the scan's outcome per folder come back as `scan` says (refused paths answer an error).
 */
function Harness({ scan, refuse, gate }: { readonly scan: (path: string) => Root; readonly refuse?: (path: string) => string | null; readonly gate: () => Promise<void> }) {
  const [folders, setFolders] = useState<readonly string[]>([]);
  const [library, setLibrary] = useState<LibraryView | null>(libraryOf([]));
  const [error, setError] = useState<{ code: string; message: string; param?: string } | null>(null);
  const save = async (next: readonly string[]): Promise<Result<{ readonly folders: readonly string[] }>> => {
    await gate();
    const refused = next.map((p) => refuse?.(p)).find(Boolean);
    if (refused) {
      const failure = { code: 'invalid_request', message: refused, param: 'folders.0' };
      setError(failure);
      return { ok: false, error: failure };
    }
    setError(null);
    setFolders(next);
    const roots = next.map(scan);
    setLibrary(libraryOf(roots, roots.filter((r) => r.status === 'scanned').map((r) => `${r.path}/story.gguf`)));
    return { ok: true, data: { folders: next } };
  };
  return <LibraryFolders library={library} rescanning={false} onRescan={() => undefined} folders={folders} foldersError={error} savingFolders={false} onSaveFolders={save} />;
}

function gated() {
  let open: () => void = () => undefined;
  let waiting = new Promise<void>((r) => (open = r));
  return {
    gate: () => waiting,
    open() {
      open();
      waiting = new Promise<void>((r) => (open = r));
    },
  };
}

const folderBox = () => screen.getByRole('textbox', { name: 'Folder to add' }) as HTMLInputElement;

async function addFolder(path: string) {
  fireEvent.change(folderBox(), { target: { value: path } });
  fireEvent.click(screen.getByRole('button', { name: /Add folder/ }));
}

describe('adding a model folder', () => {
  it('clears the box and shows the scan in progress, then what the scan found', async () => {
    const g = gated();
    render(
      <MantineProvider env="test">
        <Harness gate={g.gate} scan={(path) => ({ kind: 'folder', path, status: 'scanned' })} />
      </MantineProvider>,
    );
    await addFolder('/data/models');
    // Moved from the box to the list as it is sent.
    expect(folderBox().value).toBe('');
    expect(folderBox().disabled).toBe(true);
    expect(screen.getByLabelText('/data/models: being added')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toMatch(/Saving the new folder and scanning it for models/);
    await act(async () => g.open());
    await waitFor(() => expect(screen.getByText(/Found 1 model in \/data\/models/)).toBeTruthy());
    expect(folderBox().disabled).toBe(false);
    expect(screen.getByLabelText('/data/models: 1 model')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Remove folder /data/models' })).toBeTruthy();
  });

  it('says in words what to do when the folder is not there or cannot be read', async () => {
    const g = gated();
    render(
      <MantineProvider env="test">
        <Harness
          gate={g.gate}
          scan={(path) => (path === '/srv/locked' ? { kind: 'folder', path, status: 'failed', detail: 'permission denied' } : { kind: 'folder', path, status: 'missing' })}
        />
      </MantineProvider>,
    );
    await addFolder('/data/typo');
    await act(async () => g.open());
    const missing = await screen.findByRole('alert');
    expect(missing.textContent).toMatch(/cannot find \/data\/typo/);
    expect(missing.textContent).toMatch(/full path of a folder/);
    expect(screen.getByLabelText('/data/typo: not found')).toBeTruthy();

    await addFolder('/srv/locked');
    await act(async () => g.open());
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/cannot read \/srv\/locked \(permission denied\)/));
    expect(within(screen.getByRole('alert')).getByText(/chmod/)).toBeTruthy();
  });

  it('puts a refused path back in the box with the reason, to be fixed', async () => {
    const g = gated();
    render(
      <MantineProvider env="test">
        <Harness gate={g.gate} scan={(path) => ({ kind: 'folder', path, status: 'scanned' })} refuse={(path) => (path.startsWith('/') ? null : 'each folder must be a full path, like /home/you/models')} />
      </MantineProvider>,
    );
    await addFolder('models');
    expect(folderBox().value).toBe('');
    await act(async () => g.open());
    await waitFor(() => expect(folderBox().value).toBe('models'));
    // Back in the box, out of the list.
    expect(screen.getByText('None yet: add the full path of a folder below.')).toBeTruthy();
    // The engine's lower-case fragment reads as a sentence.
    expect(screen.getByText('Each folder must be a full path, like /home/you/models. Fix the path and add it again.')).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
  });
});

describe('adding a model folder through the models store', () => {
  it('shows the folder once while it is saved and scanned (the saved list has it before the scan ends)', async () => {
    const fake = fakeTransport();
    let folders: string[] = [];
    fake.on('modelFolders', () => ok({ folders }));
    fake.on('setModelFolders', (params) => {
      folders = [...(params as { folders: string[] }).folders];
      return ok({ folders });
    });
    const scan = gated();
    fake.on('rescanLibrary', async () => {
      await scan.gate();
      return ok(libraryOf(folders.map((path) => ({ kind: 'folder', path, status: 'scanned' }) as Root), ['/data/models/story.gguf']));
    });
    const { useModels } = createModelsStore({ transport: () => fake.transport });
    function Folders() {
      const state = useModels();
      return (
        <LibraryFolders
          library={state.library}
          rescanning={state.rescanning}
          onRescan={() => undefined}
          folders={state.folders}
          foldersError={state.foldersError}
          savingFolders={state.savingFolders}
          onSaveFolders={(next) => state.saveFolders(next)}
        />
      );
    }
    await act(async () => useModels.getState().loadFolders());
    render(
      <MantineProvider env="test">
        <Folders />
      </MantineProvider>,
    );
    const card = () => screen.getByRole('region', { name: 'Your model folders' });
    const times = () => (card().textContent ?? '').split('/data/models').length - 1;
    await addFolder('/data/models');
    expect(folderBox().value).toBe('');
    expect(times()).toBe(1);
    // Saved; the scan is still running.
    await waitFor(() => expect(useModels.getState().folders).toEqual(['/data/models']));
    expect(useModels.getState().rescanning).toBe(true);
    expect(folderBox().value).toBe('');
    expect(times()).toBe(1);
    await act(async () => scan.open());
    await waitFor(() => expect(screen.getByLabelText('/data/models: 1 model')).toBeTruthy());
    expect(screen.queryByLabelText('/data/models: being added')).toBeNull();
  });
});

describe('folderOutcome', () => {
  it('names an empty folder, a file given as a folder, and a folder the scan did not see', () => {
    const lib = libraryOf([
      { kind: 'folder', path: '/empty', status: 'scanned' },
      { kind: 'folder', path: '/a.gguf', status: 'failed', detail: 'not a folder' },
    ] as Root[]);
    expect(folderOutcome('/empty/', lib)).toMatchObject({ tone: 'warn', label: 'no models' });
    expect(folderOutcome('/a.gguf', lib)?.message).toMatch(/is a file, not a folder/);
    expect(folderOutcome('/elsewhere', lib)).toBeNull();
    expect(folderOutcome('/empty', null)).toBeNull();
  });
});
