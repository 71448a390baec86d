import { describe, expect, it } from 'vitest';
import { decideRestart, formatDuration } from '../../../main/runtimes/process/restart-policy.js';
import type { BackoffPolicy, CrashLimit } from '../../../main/runtimes/process/restart-policy.js';

const backoff: BackoffPolicy = { initialMs: 500, factor: 2, maxMs: 30_000 };
const crashLimit: CrashLimit = { count: 5, windowMs: 60_000 };
const NOW = 1_000_000;

describe('decideRestart', () => {
  const restartCases: Array<{ name: string; crashTimes: number[]; delayMs: number; attempt: number }> = [
    { name: 'first crash', crashTimes: [NOW], delayMs: 500, attempt: 1 },
    { name: 'second crash in the window', crashTimes: [NOW - 5_000, NOW], delayMs: 1_000, attempt: 2 },
    { name: 'third crash in the window', crashTimes: [NOW - 9_000, NOW - 5_000, NOW], delayMs: 2_000, attempt: 3 },
    { name: 'fourth crash in the window', crashTimes: [NOW - 3, NOW - 2, NOW - 1, NOW], delayMs: 4_000, attempt: 4 },
    {
      name: 'crashes older than the window are forgotten',
      crashTimes: [NOW - 200_000, NOW - 120_000, NOW - 61_000, NOW - 60_000, NOW],
      delayMs: 500,
      attempt: 1,
    },
    { name: 'a crash exactly windowMs ago no longer counts', crashTimes: [NOW - 60_000, NOW], delayMs: 500, attempt: 1 },
    { name: 'the crash being decided counts even if left out', crashTimes: [], delayMs: 500, attempt: 1 },
  ];

  for (const { name, crashTimes, delayMs, attempt } of restartCases) {
    it(`restarts: ${name}`, () => {
      const decision = decideRestart({ crashTimes, now: NOW, backoff, crashLimit, lastExit: 'code 1' });
      expect(decision).toMatchObject({ action: 'restart', delayMs, attempt });
    });
  }

  it('caps the exponential delay at maxMs', () => {
    const steep: BackoffPolicy = { initialMs: 500, factor: 10, maxMs: 30_000 };
    const delays = [1, 2, 3, 4, 5].map((crashes) => {
      const crashTimes = Array.from({ length: crashes }, (_, i) => NOW - i);
      const decision = decideRestart({
        crashTimes,
        now: NOW,
        backoff: steep,
        crashLimit: { count: 10, windowMs: 60_000 },
        lastExit: 'code 1',
      });
      return decision.action === 'restart' ? decision.delayMs : -1;
    });
    expect(delays).toEqual([500, 5_000, 30_000, 30_000, 30_000]);
  });

  it('names the exit and the attempt in the restart reason', () => {
    const decision = decideRestart({
      crashTimes: [NOW - 1_000, NOW],
      now: NOW,
      backoff,
      crashLimit,
      lastExit: 'signal SIGSEGV',
    });
    expect(decision.reason).toBe('last exit: signal SIGSEGV; restart 2 of at most 4 within 60 s, in 1 s');
  });

  it('gives up when the crash limit is reached within the window', () => {
    const decision = decideRestart({
      crashTimes: [NOW - 40_000, NOW - 30_000, NOW - 20_000, NOW - 10_000, NOW],
      now: NOW,
      backoff,
      crashLimit,
      lastExit: 'code 1',
    });
    expect(decision).toEqual({ action: 'give-up', reason: 'crashed 5 times within 60 s; last exit: code 1' });
  });

  it('gives up at once on a fatal exit, however few crashes came before', () => {
    const decision = decideRestart({ crashTimes: [NOW], now: NOW, backoff, crashLimit, lastExit: 'code 65: "not a GGUF file"', fatal: true });
    expect(decision).toEqual({ action: 'give-up', reason: 'cannot start: code 65: "not a GGUF file"' });
    const ordinary = decideRestart({ crashTimes: [NOW], now: NOW, backoff, crashLimit, lastExit: 'code 1', fatal: false });
    expect(ordinary.action).toBe('restart');
  });

  it('gives up on the first crash when the limit is 1', () => {
    const decision = decideRestart({
      crashTimes: [NOW],
      now: NOW,
      backoff,
      crashLimit: { count: 1, windowMs: 10_000 },
      lastExit: 'code 3',
    });
    expect(decision).toEqual({ action: 'give-up', reason: 'crashed once within 10 s; last exit: code 3' });
  });

  it('ignores crash times in the future (clock changes)', () => {
    const decision = decideRestart({
      crashTimes: [NOW + 5_000, NOW + 6_000, NOW],
      now: NOW,
      backoff,
      crashLimit,
      lastExit: 'code 1',
    });
    expect(decision).toMatchObject({ action: 'restart', attempt: 1, delayMs: 500 });
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [250, '250 ms'],
    [1_000, '1 s'],
    [1_500, '1.5 s'],
    [60_000, '60 s'],
  ])('%d ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
