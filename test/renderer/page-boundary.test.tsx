// @vitest-environment jsdom
/**
 * A page whose code could not be fetched (the engine, which serves the panel's
 * chunks, was away). Before: React threw past the shell and the whole panel
 * went blank until a reload. Now the page says so in its place, the navigation
 * stays, and the page is fetched again when the engine is back.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { PageBoundary, isChunkLoadError } from '../../renderer/components/PageBoundary.js';
import { importAgain, lazyPage, type PanelPage } from '../../renderer/pages.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const chunkError = () => new TypeError('Failed to fetch dynamically imported module: http://127.0.0.1:4790/assets/SettingsPage-Ck.js');
const META = { path: '/settings', label: 'Settings', icon: 'settings', order: 70 } as const;
const SettingsPage = () => <p>Settings here</p>;

function view(page: PanelPage, resetKey: number) {
  return (
    <MantineProvider env="test">
      <nav aria-label="Pages">links</nav>
      <PageBoundary page={page} resetKey={resetKey} loading={<p>loading</p>} />
    </MantineProvider>
  );
}

describe('importAgain', () => {
  it('asks for the same file under a new query, and rethrows an error that names no file', async () => {
    const asked: string[] = [];
    await importAgain(chunkError(), 2, async (url) => asked.push(url));
    expect(asked).toEqual(['http://127.0.0.1:4790/assets/SettingsPage-Ck.js?retry=2']);
    const other = new Error('boom');
    await expect(importAgain(other, 1, async () => undefined)).rejects.toBe(other);
    expect(isChunkLoadError(chunkError())).toBe(true);
    expect(isChunkLoadError(other)).toBe(false);
  });
});

describe('PageBoundary', () => {
  it('shows a page that failed to load in its place, then opens it when the engine is back', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const again = vi.fn(async () => ({ SettingsPage }));
    const page = lazyPage(META, () => Promise.reject(chunkError()), 'SettingsPage', again);
    const { rerender } = render(view(page, 0));
    expect(await screen.findByText('The Settings page could not be opened')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Pages' })).toBeTruthy();
    expect(screen.getByText(/opens by itself once the engine is back/)).toBeTruthy();

    await act(async () => rerender(view(page, 1)));
    expect(await screen.findByText('Settings here')).toBeTruthy();
    expect(again).toHaveBeenCalledWith(expect.any(TypeError), 1);
    expect(screen.queryByText('The Settings page could not be opened')).toBeNull();
  });

  it('offers a reload when the browser keeps the download failed', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const page = lazyPage(META, () => Promise.reject(chunkError()), 'SettingsPage', () => Promise.reject(chunkError()));
    const { rerender } = render(view(page, 0));
    await screen.findByText('The Settings page could not be opened');
    await act(async () => rerender(view(page, 1)));
    expect(await screen.findByRole('button', { name: 'Reload the page' })).toBeTruthy();
    expect(screen.getByText(/loses what is not saved on other pages/)).toBeTruthy();
  });
});
