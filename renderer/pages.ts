/**
 * The panel's pages, in navigation order. The shell (App.tsx) draws the
 * navbar and picks the page from this list alone: a new page is one more
 * entry here. Each page loads on first visit (its own chunk).
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { IconName } from './components/icons.js';

export interface PanelPage {
  /** Hash path, e.g. `/models` (the first page also answers `/`). */
  readonly path: string;
  readonly label: string;
  readonly icon: IconName;
  /** Position in the navbar: Overview 10, Models 20, Runtimes 30, Routing 40, Hardware 50, Playground 60, Settings 70. */
  readonly order: number;
  /** The page, loaded on first visit (a new one after `retry()` when its chunk could not be fetched). */
  readonly Component: LazyExoticComponent<ComponentType>;
  /** Fetches the page's chunk ahead (the shell does it when the browser is idle). */
  preload(): Promise<unknown>;
  /** After its chunk could not be fetched (the engine, which serves it, was away): the next render fetches it again. */
  retry(): void;
}

/**
 * Chromium remembers a dynamic import that failed for the life of the
 * document: importing the same file again fails at once, even with the
 * engine back. The same file under a new query is a new module and is
 * fetched afresh. Errors that name no module file are thrown again.
 */
export function importAgain(failure: unknown, attempt: number, load: (url: string) => Promise<unknown> = (url) => import(/* @vite-ignore */ url)): Promise<unknown> {
  const url = /dynamically imported module:?\s*(\S+)/i.exec(failure instanceof Error ? failure.message : String(failure))?.[1];
  if (!url) return Promise.reject(failure instanceof Error ? failure : new Error(String(failure)));
  return load(`${url}${url.includes('?') ? '&' : '?'}retry=${attempt}`);
}

/** A page loaded on first visit, and loaded again after a failed fetch once `retry()` is called. */
export function lazyPage<K extends string>(
  meta: Pick<PanelPage, 'path' | 'label' | 'icon' | 'order'>,
  load: () => Promise<Record<K, ComponentType>>,
  name: K,
  again: (failure: unknown, attempt: number) => Promise<unknown> = importAgain,
): PanelPage {
  let loading: Promise<Record<K, ComponentType>> | null = null;
  let failure: unknown = null;
  let attempts = 0;
  const once = () =>
    (loading ??= (failure === null ? load() : (again(failure, ++attempts) as Promise<Record<K, ComponentType>>)).catch((error: unknown) => {
      failure ??= error;
      loading = null;
      throw error;
    }));
  const make = () => lazy(async () => ({ default: (await once())[name] }));
  let current = make();
  return {
    ...meta,
    get Component() {
      return current;
    },
    preload: () => once().catch(() => undefined),
    retry() {
      // React keeps a lazy component's failure: a new one tries again.
      if (failure !== null) current = make();
    },
  };
}

const ENTRIES: PanelPage[] = [
  lazyPage({ path: '/overview', label: 'Overview', icon: 'overview', order: 10 }, () => import('./features/overview/OverviewPage.js'), 'OverviewPage'),
  lazyPage({ path: '/models', label: 'Models', icon: 'models', order: 20 }, () => import('./features/models/ModelsPage.js'), 'ModelsPage'),
  lazyPage({ path: '/runtimes', label: 'Runtimes', icon: 'runtimes', order: 30 }, () => import('./features/runtimes/RuntimesPage.js'), 'RuntimesPage'),
  lazyPage({ path: '/routing', label: 'Routing', icon: 'routing', order: 40 }, () => import('./features/routing/RoutingPage.js'), 'RoutingPage'),
  lazyPage({ path: '/playground', label: 'Playground', icon: 'playground', order: 60 }, () => import('./features/playground/PlaygroundPage.js'), 'PlaygroundPage'),
  lazyPage({ path: '/hardware', label: 'Hardware', icon: 'hardware', order: 50 }, () => import('./features/hardware/HardwarePage.js'), 'HardwarePage'),
  lazyPage({ path: '/settings', label: 'Settings', icon: 'settings', order: 70 }, () => import('./features/settings/SettingsPage.js'), 'SettingsPage'),
];

export const PAGES: readonly PanelPage[] = [...ENTRIES].sort((a, b) => a.order - b.order);

/**
 * Once the first page is on screen and the browser is idle, fetch the other
 * pages' chunks, all at once: the first click on another page does not wait
 * for the network, and a page stays openable if the engine (which serves the
 * chunks) goes away later. Returns a function that stops it.
 */
export function preloadPagesWhenIdle(except: PanelPage): () => void {
  let stopped = false;
  const idle = (callback: () => void) =>
    typeof requestIdleCallback === 'function' ? requestIdleCallback(callback, { timeout: 1000 }) : setTimeout(callback, 200);
  idle(() => {
    if (stopped) return;
    for (const entry of PAGES) if (entry !== except) void entry.preload();
  });
  return () => {
    stopped = true;
  };
}

/** The page for a hash path; unknown paths show the first page. */
export function pageFor(path: string): PanelPage {
  return PAGES.find((p) => p.path === path || path.startsWith(`${p.path}/`)) ?? PAGES[0]!;
}
