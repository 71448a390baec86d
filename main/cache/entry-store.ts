/**
 * The cache's SQLite file: one row per entry. WAL with synchronous=NORMAL:
 * a committed entry survives the process being killed (the WAL is in the OS
 * page cache); only a power cut can lose the last commits, never corrupt the
 * file. The file is disposable: one that is not a database, is corrupt or has
 * another schema version is moved aside and a new one started.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA_VERSION = 1;

export interface EntryRow {
  readonly id: number;
  readonly key: string;
  readonly route: string;
  readonly completion: string;
  readonly has_usage: number;
  readonly stored_at: number;
}

export interface VectorRow {
  readonly id: number;
  readonly context_key: string;
  readonly embedding: Buffer;
}

export interface NewEntry {
  readonly key: string;
  readonly route: string;
  readonly contextKey: string | null;
  readonly completion: string;
  readonly hasUsage: boolean;
  readonly bytes: number;
  readonly storedAt: number;
  readonly embedding: Buffer | null;
}

export interface EntryStoreOptions {
  readonly file: string;
  readonly log?: (message: string) => void;
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      db.exec('DROP TABLE IF EXISTS entries');
      db.exec(`
        CREATE TABLE entries (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          route TEXT NOT NULL,
          context_key TEXT,
          completion TEXT NOT NULL,
          has_usage INTEGER NOT NULL,
          bytes INTEGER NOT NULL,
          stored_at INTEGER NOT NULL,
          used_seq INTEGER NOT NULL,
          embedding BLOB
        );
        CREATE INDEX entries_used ON entries(used_seq);
        CREATE INDEX entries_stored ON entries(stored_at);
        CREATE INDEX entries_route ON entries(route);
      `);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function isDamaged(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'));
}

export class EntryStore {
  private readonly db: Database.Database;
  private readonly statements;
  private seq: number;

  constructor(options: EntryStoreOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    let db: Database.Database;
    try {
      db = openDatabase(options.file);
    } catch (error) {
      if (!isDamaged(error)) throw error;
      const aside = `${options.file}.damaged-${Date.now()}`;
      renameSync(options.file, aside);
      for (const suffix of ['-wal', '-shm']) if (existsSync(options.file + suffix)) renameSync(options.file + suffix, aside + suffix);
      options.log?.(`cache file ${options.file} was damaged (${(error as Error).message}); moved aside to ${aside}, starting empty`);
      db = openDatabase(options.file);
    }
    this.db = db;
    this.statements = {
      byKey: db.prepare<[string], EntryRow>('SELECT id, key, route, completion, has_usage, stored_at FROM entries WHERE key = ?'),
      byId: db.prepare<[number], EntryRow>('SELECT id, key, route, completion, has_usage, stored_at FROM entries WHERE id = ?'),
      touch: db.prepare<[number, number]>('UPDATE entries SET used_seq = ? WHERE id = ?'),
      sizeOf: db.prepare<[string], { id: number; bytes: number }>('SELECT id, bytes FROM entries WHERE key = ?'),
      upsert: db.prepare<[string, string, string | null, string, number, number, number, number, Buffer | null], { id: number }>(`
        INSERT INTO entries (key, route, context_key, completion, has_usage, bytes, stored_at, used_seq, embedding)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(key) DO UPDATE SET route = excluded.route, context_key = excluded.context_key, completion = excluded.completion,
          has_usage = excluded.has_usage, bytes = excluded.bytes, stored_at = excluded.stored_at, used_seq = excluded.used_seq,
          embedding = excluded.embedding
        RETURNING id`),
      deleteId: db.prepare<[number], { bytes: number }>('DELETE FROM entries WHERE id = ? RETURNING bytes'),
      oldest: db.prepare<[number], { id: number }>('SELECT id FROM entries ORDER BY used_seq LIMIT ?'),
      expired: db.prepare<[number], { id: number; bytes: number }>('DELETE FROM entries WHERE stored_at <= ? RETURNING id, bytes'),
      clearAll: db.prepare<[], { id: number; bytes: number }>('DELETE FROM entries RETURNING id, bytes'),
      clearRoute: db.prepare<[string], { id: number; bytes: number }>('DELETE FROM entries WHERE route = ? RETURNING id, bytes'),
      totals: db.prepare<[], { entries: number; bytes: number | null; seq: number | null }>('SELECT COUNT(*) AS entries, SUM(bytes) AS bytes, MAX(used_seq) AS seq FROM entries'),
      vectors: db.prepare<[], VectorRow>('SELECT id, context_key, embedding FROM entries WHERE embedding IS NOT NULL AND context_key IS NOT NULL ORDER BY used_seq'),
    };
    this.seq = this.statements.totals.get()!.seq ?? 0;
  }

  totals(): { entries: number; bytes: number } {
    const row = this.statements.totals.get()!;
    return { entries: row.entries, bytes: row.bytes ?? 0 };
  }

  byKey(key: string): EntryRow | undefined {
    return this.statements.byKey.get(key);
  }

  byId(id: number): EntryRow | undefined {
    return this.statements.byId.get(id);
  }

  /** The next use stamp: entries with lower stamps were used less recently. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Writes use stamps in one transaction (hits are batched: a hit does not wait for a write). */
  touchMany(stamps: ReadonlyMap<number, number>): void {
    if (stamps.size === 0) return;
    this.db.transaction(() => {
      for (const [id, seq] of stamps) this.statements.touch.run(seq, id);
    })();
  }

  /** Inserts or replaces the entry with the same key; answers its id and the bytes it replaced (0 if new). */
  put(entry: NewEntry): { id: number; replacedBytes: number } {
    return this.db.transaction(() => {
      const previous = this.statements.sizeOf.get(entry.key);
      const row = this.statements.upsert.get(
        entry.key, entry.route, entry.contextKey, entry.completion, entry.hasUsage ? 1 : 0, entry.bytes, entry.storedAt, ++this.seq, entry.embedding,
      )!;
      return { id: row.id, replacedBytes: previous?.bytes ?? 0 };
    })();
  }

  /** Deletes one entry; answers its bytes, or undefined if it was gone. */
  delete(id: number): number | undefined {
    return this.statements.deleteId.get(id)?.bytes;
  }

  /** Ids of the least recently used entries, oldest first. */
  leastRecentlyUsed(limit: number): number[] {
    return this.statements.oldest.all(limit).map((row) => row.id);
  }

  deleteStoredAtOrBefore(time: number): { id: number; bytes: number }[] {
    return this.statements.expired.all(time);
  }

  clear(route?: string): { id: number; bytes: number }[] {
    return route === undefined ? this.statements.clearAll.all() : this.statements.clearRoute.all(route);
  }

  vectors(): VectorRow[] {
    return this.statements.vectors.all();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
