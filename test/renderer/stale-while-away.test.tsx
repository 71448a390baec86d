// @vitest-environment jsdom
/**
 * While the engine does not answer, the open page keeps its last values but
 * is marked as old: faded (not hidden, not mounted again) and described by a
 * note saying since when; back to normal once the engine answers.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { useState } from 'react';
import { STALE_OPACITY, StaleWhileAway } from '../../renderer/components/StaleWhileAway.js';
import { createStatusStore } from '../../renderer/stores/status.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

/** A page with something the user typed, which must survive the engine going away. */
function Page() {
  const [draft, setDraft] = useState('');
  return (
    <section aria-label="Some page">
      <p>Tokens per second: 42</p>
      <input aria-label="Draft" value={draft} onChange={(event) => setDraft(event.target.value)} />
    </section>
  );
}

describe('StaleWhileAway', () => {
  it('fades the page and says since when while the engine is away, and restores it when the engine answers', () => {
    const fake = fakeTransport();
    const lostAt = new Date(2026, 0, 1, 9, 41, 7).getTime();
    const store = createStatusStore({ transport: () => fake.transport, now: () => lostAt });
    const release = store.statusFeed.acquire();
    function Shell() {
      return <StaleWhileAway lostAt={store.useStatus((s) => s.lostAt)}>{<Page />}</StaleWhileAway>;
    }
    render(
      <MantineProvider env="test">
        <Shell />
      </MantineProvider>,
    );
    const page = screen.getByRole('region', { name: 'Some page' });
    const wrapper = page.parentElement as HTMLElement;
    expect(wrapper.style.opacity).toBe('');
    expect(wrapper.getAttribute('aria-describedby')).toBeNull();
    fireEvent.change(screen.getByLabelText('Draft'), { target: { value: 'half a question' } });

    act(() => fake.setConnection({ kind: 'retrying', retryAt: lostAt + 1_000, attempt: 1, reason: 'Homeport did not answer.' }));
    expect(wrapper.style.opacity).toBe(String(STALE_OPACITY));
    const noteId = wrapper.getAttribute('aria-describedby');
    expect(noteId).toBeTruthy();
    expect(document.getElementById(noteId as string)?.textContent).toBe('Showing the last values read at 09:41:07 — the engine is not answering');
    // Still there, still the same page (not hidden, not mounted again).
    expect(screen.getByRole('region', { name: 'Some page' })).toBe(page);
    expect(screen.getByText('Tokens per second: 42')).toBeTruthy();
    expect((screen.getByLabelText('Draft') as HTMLInputElement).value).toBe('half a question');

    act(() => fake.setConnection({ kind: 'connected' }));
    expect(wrapper.style.opacity).toBe('');
    expect(wrapper.getAttribute('aria-describedby')).toBeNull();
    expect(screen.queryByText(/Showing the last values/)).toBeNull();
    expect(screen.getByRole('region', { name: 'Some page' })).toBe(page);
    expect((screen.getByLabelText('Draft') as HTMLInputElement).value).toBe('half a question');
    release();
  });
});
