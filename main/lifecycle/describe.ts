/**
 * Figures as they appear in lifecycle reasons: "4.1 GiB", "12 min",
 * "2 requests". Kept tiny and exact so tests can assert the wording.
 */

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} KiB`;
  return `${Math.max(0, Math.round(bytes))} B`;
}

/** A span of time, rounded to what a person cares about ("45 s", "12 min", "2.5 h"). */
export function formatSpan(ms: number): string {
  const clamped = Math.max(0, ms);
  if (clamped < 60_000) return `${Math.round(clamped / 1000)} s`;
  if (clamped < 3_600_000) return `${Math.round(clamped / 60_000)} min`;
  return `${Number((clamped / 3_600_000).toFixed(1))} h`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** "a", "a and b", "a, b and c". */
export function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
