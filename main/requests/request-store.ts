/**
 * The request log on disk: one SQLite file (better-sqlite3, WAL), the last
 * `maxRecords` records (default 10,000) and per-day totals that outlive the
 * records they were made of. Writes are batched: records queue in memory and
 * go in one transaction a few times a second, so the request path never
 * waits on the disk; reads flush the queue first, so they see every record.
 */
import Database from 'better-sqlite3';
import type { DailyTotals, RequestQuery, RequestRecord, Tier, TierTotals } from './types.js';

export interface RequestStoreOptions {
  /** The SQLite file (created with its folder's permissions). ':memory:' for tests. */
  readonly file: string;
  readonly maxRecords?: number;
  /** How long records wait in memory before a write (ms). Default 250. */
  readonly flushEveryMs?: number;
  /** Where write failures are told (never record contents). */
  readonly onError?: (err: Error) => void;
}

export const DEFAULT_MAX_RECORDS = 10_000;
const MAX_QUERY_LIMIT = 1000;

/** `YYYY-MM-DD` in the engine's local time. */
export function dayOf(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export class RequestStore {
  private readonly db: Database.Database;
  private readonly maxRecords: number;
  private pending: RequestRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly flushEveryMs: number;
  private readonly onError: (err: Error) => void;
  private readonly insert: Database.Statement;
  private readonly addTotals: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly addSpend: Database.Statement;
  private readonly byId: Database.Statement;
  private closed = false;

  constructor(options: RequestStoreOptions) {
    this.maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    this.flushEveryMs = options.flushEveryMs ?? 250;
    this.onError = options.onError ?? (() => undefined);
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        time INTEGER NOT NULL,
        tier TEXT,
        model TEXT NOT NULL,
        route TEXT,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS requests_time ON requests(time);
      CREATE TABLE IF NOT EXISTS daily_totals (
        day TEXT NOT NULL,
        tier TEXT NOT NULL,
        requests INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        saved_usd REAL NOT NULL,
        errors INTEGER NOT NULL,
        PRIMARY KEY (day, tier)
      );
      CREATE TABLE IF NOT EXISTS provider_spend (
        day TEXT NOT NULL,
        provider TEXT NOT NULL,
        cost_usd REAL NOT NULL,
        PRIMARY KEY (day, provider)
      );
    `);
    this.insert = this.db.prepare('INSERT OR REPLACE INTO requests (id, time, tier, model, route, record) VALUES (?, ?, ?, ?, ?, ?)');
    this.addTotals = this.db.prepare(`
      INSERT INTO daily_totals (day, tier, requests, prompt_tokens, completion_tokens, cost_usd, saved_usd, errors)
      VALUES (@day, @tier, @requests, @prompt, @completion, @cost, @saved, @errors)
      ON CONFLICT (day, tier) DO UPDATE SET
        requests = requests + @requests,
        prompt_tokens = prompt_tokens + @prompt,
        completion_tokens = completion_tokens + @completion,
        cost_usd = cost_usd + @cost,
        saved_usd = saved_usd + @saved,
        errors = errors + @errors`);
    this.trim = this.db.prepare('DELETE FROM requests WHERE seq <= (SELECT MAX(seq) FROM requests) - ?');
    this.addSpend = this.db.prepare(
      'INSERT INTO provider_spend (day, provider, cost_usd) VALUES (?, ?, ?) ON CONFLICT (day, provider) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd',
    );
    this.byId = this.db.prepare('SELECT record FROM requests WHERE id = ?');
  }

  /** Queue a finished record; it is written within flushEveryMs. */
  add(record: RequestRecord): void {
    if (this.closed) return;
    this.pending.push(record);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.flushEveryMs);
      this.timer.unref();
    }
  }

  /** Write every queued record now (one transaction). */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 || this.closed) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction((records: RequestRecord[]) => {
        for (const r of records) this.insert.run(r.id, r.time, r.finalTier, r.model, r.route, JSON.stringify(r));
        // Totals and spend summed per day and tier (provider) first: one upsert per group, not per record.
        const { totals, spend } = sumBatch(records);
        for (const t of totals.values()) this.addTotals.run(t);
        for (const [key, cost] of spend) {
          const cut = key.indexOf('\0');
          this.addSpend.run(key.slice(0, cut), key.slice(cut + 1), cost);
        }
        this.trim.run(this.maxRecords);
      })(batch);
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  get(id: string): RequestRecord | undefined {
    this.flush();
    const row = this.byId.get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as RequestRecord) : undefined;
  }

  /** Newest first. */
  query(query: RequestQuery = {}): RequestRecord[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.tier !== undefined) {
      where.push('tier = ?');
      params.push(query.tier);
    }
    if (query.model !== undefined) {
      where.push('model = ?');
      params.push(query.model);
    }
    if (query.route !== undefined) {
      where.push('route = ?');
      params.push(query.route);
    }
    if (query.since !== undefined) {
      where.push('time >= ?');
      params.push(query.since);
    }
    const limit = Math.min(MAX_QUERY_LIMIT, Math.max(1, query.limit ?? 100));
    const sql = `SELECT record FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...params) as { record: string }[]).map((row) => JSON.parse(row.record) as RequestRecord);
  }

  /** What each provider has cost on the day of `now` (for budgets across restarts). */
  providerSpend(now = Date.now()): Map<string, number> {
    this.flush();
    const rows = this.db.prepare('SELECT provider, cost_usd FROM provider_spend WHERE day = ?').all(dayOf(now)) as { provider: string; cost_usd: number }[];
    return new Map(rows.map((r) => [r.provider, r.cost_usd]));
  }

  count(): number {
    this.flush();
    return (this.db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
  }

  /** The last `days` days including today, oldest first; days without requests are listed with zeros. */
  totals(days: number, now = Date.now()): DailyTotals[] {
    this.flush();
    const wanted: string[] = [];
    for (let i = days - 1; i >= 0; i--) wanted.push(dayOf(now - i * 86_400_000));
    const rows = this.db
      .prepare(`SELECT * FROM daily_totals WHERE day >= ? ORDER BY day`)
      .all(wanted[0]) as { day: string; tier: string; requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number; saved_usd: number; errors: number }[];
    return wanted.map((day) => {
      const byTier: Partial<Record<Tier | 'none', TierTotals>> = {};
      let requests = 0;
      let spend = 0;
      let saved = 0;
      let errors = 0;
      for (const row of rows) {
        if (row.day !== day) continue;
        byTier[row.tier as Tier | 'none'] = { requests: row.requests, promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens };
        requests += row.requests;
        spend += row.cost_usd;
        saved += row.saved_usd;
        errors += row.errors;
      }
      return { day, requests, byTier, cloudSpendUsd: roundUsd(spend), savedUsd: roundUsd(saved), errors };
    });
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}

interface TotalsRow {
  readonly day: string;
  readonly tier: string;
  requests: number;
  prompt: number;
  completion: number;
  cost: number;
  saved: number;
  errors: number;
}

/** One batch's records summed per (day, tier), and cloud spend per (day, provider) keyed `day\0provider`. */
function sumBatch(records: readonly RequestRecord[]): { totals: Map<string, TotalsRow>; spend: Map<string, number> } {
  const totals = new Map<string, TotalsRow>();
  const spend = new Map<string, number>();
  // The local day of the previous record, and its bounds: most records of a batch share it.
  let day = '';
  let dayStart = Infinity;
  let dayEnd = -Infinity;
  for (const r of records) {
    if (r.time < dayStart || r.time >= dayEnd) {
      day = dayOf(r.time);
      const midnight = new Date(r.time);
      midnight.setHours(0, 0, 0, 0);
      dayStart = midnight.getTime();
      midnight.setDate(midnight.getDate() + 1);
      dayEnd = midnight.getTime();
    }
    const tier = r.finalTier ?? 'none';
    const key = `${day}\0${tier}`;
    let row = totals.get(key);
    if (row === undefined) {
      row = { day, tier, requests: 0, prompt: 0, completion: 0, cost: 0, saved: 0, errors: 0 };
      totals.set(key, row);
    }
    row.requests += 1;
    row.prompt += r.promptTokens ?? 0;
    row.completion += r.completionTokens ?? 0;
    row.cost += r.costUsd;
    row.saved += r.savedUsd;
    if (r.status >= 400 || r.status === 0) row.errors += 1;
    const colon = r.finalTarget?.indexOf(':') ?? -1;
    if (r.costUsd > 0 && colon > 0) {
      const spendKey = `${day}\0${r.finalTarget!.slice(0, colon)}`;
      spend.set(spendKey, (spend.get(spendKey) ?? 0) + r.costUsd);
    }
  }
  return { totals, spend };
}

function roundUsd(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
