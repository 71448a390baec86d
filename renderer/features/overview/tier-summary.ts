/**
 * What the Overview's tier cards say, from the engine's figures as they are:
 * each summary is a headline figure plus a line saying where it comes from
 * or what to do. Pure; the engine's provider and cache shapes are read
 * defensively (fields may be missing on an older engine).
 */
import type { CacheStatsView, EngineStatus, ProviderView } from '../../../preload/contract.js';
import { formatBytes, formatCount, formatRatio, formatUsd } from '../../lib/format.js';

export interface TierSummary {
  readonly value: string;
  readonly hint: string;
  readonly badge: { readonly text: string; readonly tone: 'ok' | 'warn' | 'bad' | 'idle' };
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

export function summariseCache(stats: CacheStatsView | null): TierSummary {
  if (!stats) return { value: '—', hint: 'Waiting for the cache figures…', badge: { text: 'unknown', tone: 'idle' } };
  const hits = num(stats.hits) ?? 0;
  const misses = num(stats.misses) ?? 0;
  const entries = num(stats.entries);
  const bytes = num(stats.bytes);
  const lookups = hits + misses;
  const stored = entries === null ? '' : ` · ${formatCount(entries)} entries${bytes === null ? '' : `, ${formatBytes(bytes)}`}`;
  if (stats.enabled === false) return { value: 'Off', hint: `Switched off in Settings: requests go to their models${entries ? ` · ${formatCount(entries)} entries kept` : ''}`, badge: { text: 'off', tone: 'warn' } };
  if (lookups === 0) return { value: formatRatio(null), hint: `No lookups yet (routes are cached; add one under Routing)${stored}`, badge: { text: 'on', tone: 'ok' } };
  return { value: formatRatio(hits / lookups), hint: `${formatCount(hits)} of ${formatCount(lookups)} lookups answered from the cache${stored}`, badge: { text: 'on', tone: 'ok' } };
}

export function summariseLocal(status: EngineStatus | null): TierSummary {
  if (!status) return { value: '—', hint: 'Waiting for the engine…', badge: { text: 'unknown', tone: 'idle' } };
  const total = status.runtimes.length;
  const ready = status.runtimes.filter((r) => r.state === 'ready').length;
  const failed = status.runtimes.filter((r) => r.state === 'failed').length;
  if (total === 0) return { value: '0', hint: 'No local models yet — add one on the Models page.', badge: { text: 'none', tone: 'warn' } };
  const work = `${formatCount(status.inFlight)} in flight, ${formatCount(status.queued)} queued`;
  return {
    value: `${formatCount(ready)} of ${formatCount(total)}`,
    hint: `runtimes up · ${work}${failed ? ` · ${formatCount(failed)} failed` : ''}`,
    badge: failed ? { text: `${failed} failed`, tone: 'bad' } : ready ? { text: 'up', tone: 'ok' } : { text: 'on demand', tone: 'idle' },
  };
}

export interface ProviderFacts {
  readonly name: string;
  readonly cloud: boolean;
  readonly keySet: boolean | null;
  readonly budgetUsd: number | null;
  readonly spentUsd: number | null;
}

/** One provider's facts, whichever of the usual field names the engine uses. */
export function providerFacts(view: ProviderView): ProviderFacts {
  const tier = str(view.tier);
  const apiKey = typeof view.apiKey === 'object' && view.apiKey !== null ? (view.apiKey as { set?: unknown }) : null;
  return {
    name: str(view.name) ?? str(view.id) ?? 'provider',
    cloud: tier !== null ? tier === 'cloud' : str(view.kind) !== 'self-hosted',
    keySet: typeof apiKey?.set === 'boolean' ? apiKey.set : null,
    budgetUsd: num(view.dailyBudgetUsd),
    spentUsd: num(view.spentTodayUsd),
  };
}

export function summariseCloud(providers: readonly ProviderView[] | null, privacy: boolean | null): TierSummary {
  if (privacy) return { value: 'Off', hint: 'Privacy mode keeps every request on this machine and the LAN.', badge: { text: 'privacy', tone: 'warn' } };
  if (!providers) return { value: '—', hint: 'Waiting for the provider list…', badge: { text: 'unknown', tone: 'idle' } };
  const facts = providers.map(providerFacts);
  if (facts.length === 0) return { value: 'None', hint: 'No network or cloud provider configured — add one under Routing to burst when local is busy.', badge: { text: 'not set up', tone: 'idle' } };
  const ready = facts.filter((f) => !f.cloud || f.keySet !== false);
  const budgets = facts.filter((f) => f.budgetUsd !== null);
  const left = budgets.reduce((sum, f) => sum + Math.max(0, (f.budgetUsd ?? 0) - (f.spentUsd ?? 0)), 0);
  const missingKeys = facts.filter((f) => f.cloud && f.keySet === false).map((f) => f.name);
  return {
    value: `${formatCount(ready.length)} of ${formatCount(facts.length)}`,
    hint: [
      'providers ready',
      budgets.length ? `${formatUsd(left)} budget left today` : 'no daily budget set',
      missingKeys.length ? `key missing: ${missingKeys.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' · '),
    badge: missingKeys.length ? { text: 'key missing', tone: 'warn' } : { text: 'configured', tone: 'ok' },
  };
}

export function summarisePrivacy(privacy: boolean | null): TierSummary {
  if (privacy === null) return { value: '—', hint: 'Waiting for the settings…', badge: { text: 'unknown', tone: 'idle' } };
  return privacy
    ? { value: 'On', hint: 'No request leaves this machine or the LAN.', badge: { text: 'local only', tone: 'ok' } }
    : { value: 'Off', hint: 'Routes may use network and cloud providers. Turn it on in Settings.', badge: { text: 'off', tone: 'idle' } };
}
