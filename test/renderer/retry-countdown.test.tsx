// @vitest-environment jsdom
/**
 * One countdown to the engine's next try: the status store keeps when the
 * panel next tries (the earliest of the times its streams reported) and the
 * seconds left, and the header's badge and the banner both show that number.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import { ConnectionBadge } from '../../renderer/components/ConnectionBadge.js';
import { EngineUnreachable } from '../../renderer/components/EngineUnreachable.js';
import { msUntilNextTick, nextRetryAt, secondsUntil, withReportedRetry } from '../../renderer/lib/retry-countdown.js';
import { createStatusStore } from '../../renderer/stores/status.js';
import { installJsdomShims } from './jsdom-shims.js';
import { fakeTransport } from './playground-fakes.js';

beforeAll(installJsdomShims);
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const retrying = (retryAt: number, attempt: number) => ({ kind: 'retrying', retryAt, attempt, reason: 'Homeport did not answer.' }) as const;

describe('retry countdown policy', () => {
  it('takes the earliest try still ahead, not the latest report', () => {
    let pending = withReportedRetry([], 5_000, 1_000); // a stream on its third attempt
    pending = withReportedRetry(pending, 2_000, 1_000); // another on its first
    expect(nextRetryAt(pending, 1_000)).toBe(2_000);
    expect(nextRetryAt(pending, 2_500)).toBe(5_000);
    // Tries that are due drop out when the next report comes.
    expect(withReportedRetry(pending, 7_000, 5_000)).toEqual([7_000]);
    expect(nextRetryAt([], 0)).toBeNull();
    expect(nextRetryAt([2_000], 3_000)).toBe(2_000); // due: shown as "now"
  });

  it('counts whole seconds, changing on the second', () => {
    expect(secondsUntil(3_500, 1_000)).toBe(3);
    expect(secondsUntil(3_000, 3_000)).toBe(0);
    expect(msUntilNextTick(3_500, 1_000)).toBe(500);
    expect(msUntilNextTick(3_000, 1_000)).toBe(1_000);
    expect(msUntilNextTick(3_000, 3_000)).toBeNull();
  });
});

describe('status store countdown', () => {
  it('keeps the next try and the seconds left, with one clock, and clears them when the engine answers', () => {
    vi.useFakeTimers({ now: 100_000 });
    const fake = fakeTransport();
    const store = createStatusStore({ transport: () => fake.transport });
    const release = store.statusFeed.acquire();
    fake.setConnection(retrying(101_000, 1)); // the status stream
    fake.setConnection(retrying(104_000, 3)); // the live table's stream, further along its backoff
    expect(store.useStatus.getState()).toMatchObject({ nextRetryAt: 101_000, retryInSeconds: 1 });
    vi.advanceTimersByTime(1_000);
    expect(store.useStatus.getState()).toMatchObject({ nextRetryAt: 104_000, retryInSeconds: 3 });
    vi.advanceTimersByTime(1_000);
    expect(store.useStatus.getState().retryInSeconds).toBe(2);
    fake.setConnection({ kind: 'connected' });
    expect(store.useStatus.getState()).toMatchObject({ nextRetryAt: null, retryInSeconds: null });
    expect(vi.getTimerCount()).toBe(0);
    release();
  });

  it('stops its clock when the feed is released', () => {
    vi.useFakeTimers({ now: 0 });
    const fake = fakeTransport();
    const store = createStatusStore({ transport: () => fake.transport });
    const release = store.statusFeed.acquire();
    fake.setConnection(retrying(8_000, 4));
    expect(vi.getTimerCount()).toBe(1);
    release();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('badge and banner', () => {
  it('show the same seconds to the next try as the countdown runs', () => {
    vi.useFakeTimers({ now: 50_000 });
    const fake = fakeTransport();
    const store = createStatusStore({ transport: () => fake.transport });
    const release = store.statusFeed.acquire();
    function Header() {
      const connection = store.useStatus((s) => s.connection);
      const lostAt = store.useStatus((s) => s.lostAt);
      const seconds = store.useStatus((s) => s.retryInSeconds);
      return (
        <>
          <ConnectionBadge connection={connection} retryInSeconds={seconds} />
          <EngineUnreachable retryInSeconds={seconds} lostAt={lostAt} />
        </>
      );
    }
    render(
      <MantineProvider env="test">
        <Header />
      </MantineProvider>,
    );
    const shown = () => [screen.getByRole('status').textContent?.match(/retrying in (\d+) s/)?.[1], screen.getByRole('alert').textContent?.match(/Trying again in (\d+) s/)?.[1]];
    act(() => {
      fake.setConnection(retrying(53_500, 2));
      fake.setConnection(retrying(51_200, 1));
    });
    expect(shown()).toEqual(['2', '2']);
    act(() => void vi.advanceTimersByTime(400));
    expect(shown()).toEqual(['1', '1']);
    act(() => void vi.advanceTimersByTime(800)); // 51.2 s is due: the next is 53.5 s
    expect(shown()).toEqual(['3', '3']);
    act(() => void vi.advanceTimersByTime(600));
    expect(shown()).toEqual(['2', '2']);
    release();
  });
});
