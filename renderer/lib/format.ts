/**
 * Every number the panel shows goes through here: one locale, Intl.NumberFormat
 * built once per shape, and a dash for "no figure" so a missing value never
 * reads as zero. Pair with the `tabular` text style so live figures keep their width.
 */

export const NO_VALUE = '—';

const locale: string | undefined = typeof navigator !== 'undefined' ? navigator.language : undefined;

const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = JSON.stringify(options);
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, options);
    formatters.set(key, formatter);
  }
  return formatter;
}

const usable = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/** A plain count: 1,234. */
export function formatCount(value: number | null | undefined): string {
  return usable(value) ? numberFormat({ maximumFractionDigits: 0 }).format(value) : NO_VALUE;
}

/** A compact count for big numbers: 12.3K, 4.5M. */
export function formatCompact(value: number | null | undefined): string {
  return usable(value) ? numberFormat({ notation: 'compact', maximumFractionDigits: 1 }).format(value) : NO_VALUE;
}

/** Decode speed: one decimal below 100 tok/s, whole numbers above. */
export function formatTokPerSec(value: number | null | undefined): string {
  if (!usable(value)) return NO_VALUE;
  const digits = Math.abs(value) < 100 ? 1 : 0;
  return `${numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} tok/s`;
}

/** A predicted speed range: "12–18 tok/s" (one figure when both ends round alike). */
export function formatTokPerSecRange(range: { readonly low: number; readonly high: number } | null | undefined): string {
  if (!range || !usable(range.low) || !usable(range.high)) return NO_VALUE;
  const low = formatTokPerSec(range.low).replace(' tok/s', '');
  const high = formatTokPerSec(range.high).replace(' tok/s', '');
  return low === high ? `${low} tok/s` : `${low}–${high} tok/s`;
}

/** A predicted speed range for a narrow table cell: ends from 1,000 up in compact form, two significant digits ("1.2K–9.9K tok/s", "13K–22K tok/s"). */
export function formatTokPerSecRangeShort(range: { readonly low: number; readonly high: number } | null | undefined): string {
  if (!range || !usable(range.low) || !usable(range.high)) return NO_VALUE;
  if (Math.max(Math.abs(range.low), Math.abs(range.high)) < 1_000) return formatTokPerSecRange(range);
  const end = (v: number) => (Math.abs(v) < 1_000 ? formatTokPerSec(v).replace(' tok/s', '') : numberFormat({ notation: 'compact', maximumSignificantDigits: 2 }).format(v));
  const low = end(range.low);
  const high = end(range.high);
  return low === high ? `${low} tok/s` : `${low}–${high} tok/s`;
}

/** Milliseconds below 10 s ("850 ms", "1,204 ms"), seconds above ("12.4 s"). */
export function formatMs(value: number | null | undefined): string {
  if (!usable(value)) return NO_VALUE;
  if (Math.abs(value) < 10_000) return `${numberFormat({ maximumFractionDigits: value < 10 ? 1 : 0 }).format(value)} ms`;
  return `${numberFormat({ maximumFractionDigits: 1 }).format(value / 1000)} s`;
}

const KIB = 1024;
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Binary sizes, as llama.cpp and the OS report memory: 512 MiB, 7.4 GiB. */
export function formatBytes(value: number | null | undefined): string {
  if (!usable(value)) return NO_VALUE;
  let unit = 0;
  let scaled = Math.abs(value);
  while (scaled >= KIB && unit < UNITS.length - 1) {
    scaled /= KIB;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : scaled < 10 ? 2 : scaled < 100 ? 1 : 0;
  const sign = value < 0 ? '-' : '';
  return `${sign}${numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(scaled)} ${UNITS[unit]}`;
}

/** Transfer rate: 12.4 MiB/s. */
export function formatRate(bytesPerSec: number | null | undefined): string {
  return usable(bytesPerSec) ? `${formatBytes(bytesPerSec)}/s` : NO_VALUE;
}

/** US dollars; cents-level precision, more for fractions of a cent. */
export function formatUsd(value: number | null | undefined): string {
  if (!usable(value)) return NO_VALUE;
  const digits = value !== 0 && Math.abs(value) < 0.01 ? 4 : 2;
  return numberFormat({ style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** A share 0–1 as a percentage: 0.374 → "37.4 %"-style per the locale. */
export function formatRatio(value: number | null | undefined): string {
  return usable(value) ? numberFormat({ style: 'percent', maximumFractionDigits: 1 }).format(value) : NO_VALUE;
}

/** A percentage given as 0–100. */
export function formatPercent(value: number | null | undefined): string {
  return usable(value) ? formatRatio(value / 100) : NO_VALUE;
}

/** A signed error percentage: "+12 %", "−4 %". */
export function formatSignedPercent(value: number | null | undefined): string {
  if (!usable(value)) return NO_VALUE;
  return numberFormat({ style: 'percent', maximumFractionDigits: 0, signDisplay: 'exceptZero' }).format(value / 100);
}

/** A duration in seconds: "45 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!usable(seconds) || seconds < 0) return NO_VALUE;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const count = (n: number) => numberFormat({ maximumFractionDigits: 0 }).format(n);
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return s % 60 ? `${count(minutes)} min ${s % 60} s` : `${count(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${count(hours)} h ${minutes % 60} min` : `${count(hours)} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${count(days)} d ${hours % 24} h` : `${count(days)} d`;
}

/** One formatter for every clock time: `toLocaleTimeString` with options builds a new one per call (slow in a live table). */
const clockFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const relative = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }) : null;
const RELATIVE_STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "5 minutes ago", "in 3 hours"; `at` is ms since epoch or an ISO string. */
export function formatRelativeTime(at: number | string | null | undefined, now: number = Date.now()): string {
  if (at === null || at === undefined) return NO_VALUE;
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  if (!usable(ms)) return NO_VALUE;
  let value = (ms - now) / 1000;
  if (Math.abs(value) < 5) return 'just now';
  for (const [unit, size] of RELATIVE_STEPS) {
    if (Math.abs(value) < size) return relative ? relative.format(Math.round(value), unit) : `${Math.round(value)} ${unit}s`;
    value /= size;
  }
  return NO_VALUE;
}

/** A clock time for tables and logs: 14:03:22. */
export function formatClock(at: number | string | null | undefined): string {
  if (at === null || at === undefined) return NO_VALUE;
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  if (!usable(ms)) return NO_VALUE;
  return clockFormat.format(ms);
}

/** Token context sizes: 4,096 → "4K", 131,072 → "128K", 1000 → "1,000". */
export function formatContext(tokens: number | null | undefined): string {
  if (!usable(tokens)) return NO_VALUE;
  if (tokens >= 1024 && tokens % 1024 === 0) return `${formatCount(tokens / 1024)}K`;
  return formatCount(tokens);
}
