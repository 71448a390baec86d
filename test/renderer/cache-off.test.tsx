// @vitest-environment jsdom
/**
 * With the cache switched off in Settings (GET /cache says enabled: false),
 * the Routing page's cache card and the Overview's cache tier say so, and
 * keep the entries' figures; switched on, neither says "Cache off".
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { CacheStatsView } from '../../preload/contract.js';
import { summariseCache } from '../../renderer/features/overview/tier-summary.js';
import { CacheCard } from '../../renderer/features/routing/RoutingPage.js';
import { useRouting } from '../../renderer/stores/routing.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

const stats = (enabled: boolean): CacheStatsView => ({ enabled, hits: 4, misses: 2, entries: 3, bytes: 4096, byRoute: { chat: { hits: 4, misses: 2 } } }) as CacheStatsView;

function renderCard(view: CacheStatsView) {
  useRouting.setState({ cache: view, cacheError: null, cacheNotice: null, clearing: null });
  render(
    <MantineProvider env="test">
      <CacheCard />
    </MantineProvider>,
  );
  return screen.getByRole('region', { name: 'Response cache' });
}

describe('cache switched off', () => {
  it('the Routing cache card shows "Cache off", points to Settings, and keeps the figures', () => {
    const card = renderCard(stats(false));
    expect(within(card).getByText('Cache off')).toBeTruthy();
    expect(within(card).getByRole('link', { name: 'Settings' }).getAttribute('href')).toBe('#/settings');
    expect(within(card).getByText('3')).toBeTruthy(); // entries are kept
  });

  it('the Routing cache card has no "Cache off" while the cache is on', () => {
    const card = renderCard(stats(true));
    expect(within(card).queryByText('Cache off')).toBeNull();
    expect(within(card).getByText('66.7%')).toBeTruthy();
  });

  it("the Overview's cache tier says off instead of a hit rate", () => {
    expect(summariseCache(stats(false))).toMatchObject({ value: 'Off', badge: { text: 'off', tone: 'warn' } });
    expect(summariseCache(stats(false)).hint).toMatch(/Switched off in Settings.*3 entries kept/);
    expect(summariseCache(stats(true))).toMatchObject({ value: '66.7%', badge: { text: 'on' } });
  });
});
