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
  readonly Component: LazyExoticComponent<ComponentType> & { readonly preload: () => Promise<unknown> };
}

/** A page loaded on first visit; `preload` fetches its chunk ahead (the shell does it when the browser is idle). */
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): PanelPage['Component'] {
  let loading: Promise<Record<K, ComponentType>> | null = null;
  const once = () => (loading ??= load());
  return Object.assign(
    lazy(async () => ({ default: (await once())[name] })),
    { preload: () => once().catch(() => undefined) },
  );
}

const ENTRIES: PanelPage[] = [
  { path: '/overview', label: 'Overview', icon: 'overview', order: 10, Component: page(() => import('./features/overview/OverviewPage.js'), 'OverviewPage') },
  { path: '/models', label: 'Models', icon: 'models', order: 20, Component: page(() => import('./features/models/ModelsPage.js'), 'ModelsPage') },
  { path: '/runtimes', label: 'Runtimes', icon: 'runtimes', order: 30, Component: page(() => import('./features/runtimes/RuntimesPage.js'), 'RuntimesPage') },
  { path: '/routing', label: 'Routing', icon: 'routing', order: 40, Component: page(() => import('./features/routing/RoutingPage.js'), 'RoutingPage') },
  { path: '/playground', label: 'Playground', icon: 'playground', order: 60, Component: page(() => import('./features/playground/PlaygroundPage.js'), 'PlaygroundPage') },
  { path: '/hardware', label: 'Hardware', icon: 'hardware', order: 50, Component: page(() => import('./features/hardware/HardwarePage.js'), 'HardwarePage') },
  { path: '/settings', label: 'Settings', icon: 'settings', order: 70, Component: page(() => import('./features/settings/SettingsPage.js'), 'SettingsPage') },
];

export const PAGES: readonly PanelPage[] = [...ENTRIES].sort((a, b) => a.order - b.order);

/**
 * Once the first page is on screen, fetch the other pages' chunks one at a
 * time while the browser is idle, so the first click on another page does not
 * wait for the network. Returns a function that stops it.
 */
export function preloadPagesWhenIdle(except: PanelPage): () => void {
  let stopped = false;
  const idle = (callback: () => void) =>
    typeof requestIdleCallback === 'function' ? requestIdleCallback(callback, { timeout: 2000 }) : setTimeout(callback, 200);
  const rest = PAGES.filter((p) => p !== except);
  const next = () => {
    const entry = rest.shift();
    if (stopped || !entry) return;
    void entry.Component.preload().then(() => idle(next));
  };
  idle(next);
  return () => {
    stopped = true;
  };
}

/** The page for a hash path; unknown paths show the first page. */
export function pageFor(path: string): PanelPage {
  return PAGES.find((p) => p.path === path || path.startsWith(`${p.path}/`)) ?? PAGES[0]!;
}
