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
  readonly Component: LazyExoticComponent<ComponentType>;
}

function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): LazyExoticComponent<ComponentType> {
  return lazy(async () => ({ default: (await load())[name] }));
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

/** The page for a hash path; unknown paths show the first page. */
export function pageFor(path: string): PanelPage {
  return PAGES.find((p) => p.path === path || path.startsWith(`${p.path}/`)) ?? PAGES[0]!;
}
