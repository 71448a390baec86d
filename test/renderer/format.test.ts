// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatContext,
  formatCount,
  formatDuration,
  formatMs,
  formatPercent,
  formatRate,
  formatRelativeTime,
  formatSignedPercent,
  formatTokPerSec,
  formatTokPerSecRange,
  formatTokPerSecRangeShort,
  formatUsd,
  NO_VALUE,
} from '../../renderer/lib/format.js';

describe('format', () => {
  it('shows a dash, never zero, for a missing figure', () => {
    for (const format of [formatCount, formatTokPerSec, formatMs, formatBytes, formatUsd, formatPercent, formatDuration, formatContext]) {
      expect(format(null)).toBe(NO_VALUE);
      expect(format(undefined)).toBe(NO_VALUE);
      expect(format(Number.NaN)).toBe(NO_VALUE);
    }
  });

  it('formats speeds with one decimal below 100 tok/s and none above', () => {
    expect(formatTokPerSec(12.345)).toBe('12.3 tok/s');
    expect(formatTokPerSec(5)).toBe('5.0 tok/s');
    expect(formatTokPerSec(1234.5)).toBe('1,235 tok/s');
    expect(formatTokPerSecRange({ low: 12.04, high: 18.5 })).toBe('12.0–18.5 tok/s');
    expect(formatTokPerSecRange({ low: 40.01, high: 40.02 })).toBe('40.0 tok/s');
  });

  it('formats sizes in binary units with digits that keep three significant figures', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(1.13 * 1024 * 1024)).toBe('1.13 MiB');
    expect(formatBytes(67.6 * 1024 * 1024)).toBe('67.6 MiB');
    expect(formatBytes(23.5 * 1024 ** 3)).toBe('23.5 GiB');
    expect(formatRate(2 * 1024 * 1024)).toBe('2.00 MiB/s');
  });

  it('formats times, money, shares and contexts', () => {
    expect(formatMs(256.54)).toBe('257 ms');
    expect(formatMs(4.25)).toBe('4.3 ms');
    expect(formatMs(12_400)).toBe('12.4 s');
    expect(formatUsd(1.5)).toBe('$1.50');
    expect(formatUsd(0.0012)).toBe('$0.0012');
    expect(formatPercent(37.44)).toBe('37.4%');
    expect(formatSignedPercent(12)).toBe('+12%');
    expect(formatSignedPercent(-4)).toBe('-4%');
    expect(formatContext(4096)).toBe('4K');
    expect(formatContext(131072)).toBe('128K');
    expect(formatContext(1000)).toBe('1,000');
  });

  it('formats durations and relative times in words', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
    const now = 1_000_000_000;
    expect(formatRelativeTime(now - 2000, now)).toBe('just now');
    expect(formatRelativeTime(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(formatRelativeTime(new Date(now + 3 * 3_600_000).toISOString(), now)).toBe('in 3 hours');
  });
});

describe('formatTokPerSecRangeShort', () => {
  it('keeps small ranges as they are and shortens big ends for a narrow cell (a range was cut to "26–377 tok/s")', () => {
    expect(formatTokPerSecRangeShort({ low: 226, high: 377 })).toBe('226–377 tok/s');
    expect(formatTokPerSecRangeShort({ low: 12.04, high: 18.5 })).toBe('12.0–18.5 tok/s');
    expect(formatTokPerSecRangeShort({ low: 27_132, high: 45_221 })).toBe('27K–45K tok/s');
    expect(formatTokPerSecRangeShort({ low: 1_188, high: 9_912 })).toBe('1.2K–9.9K tok/s');
    expect(formatTokPerSecRangeShort({ low: 226, high: 1_377 })).toBe('226–1.4K tok/s');
    expect(formatTokPerSecRangeShort(null)).toBe('—');
  });
});
