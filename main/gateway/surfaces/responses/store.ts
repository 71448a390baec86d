/**
 * Stored responses (`store`, the default): the response object for
 * GET /v1/responses/:id, and the conversation it ends (as chat messages,
 * without its instructions) so a later request can continue it with
 * previous_response_id. SQLite (WAL), bounded to the newest `limit`.
 */
import Database from 'better-sqlite3';
import type { ChatMessage } from './to-chat.js';

export interface StoredResponse {
  readonly response: Record<string, unknown>;
  readonly conversation: ChatMessage[];
}

export interface ResponseStore {
  get(id: string): StoredResponse | undefined;
  put(id: string, stored: StoredResponse): void;
  delete(id: string): boolean;
  close(): void;
}

export function openResponseStore(options: { readonly file: string; readonly limit?: number }): ResponseStore {
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, response TEXT NOT NULL, conversation TEXT NOT NULL)');
  db.exec('CREATE INDEX IF NOT EXISTS responses_seq ON responses (seq)');
  const limit = options.limit ?? 10_000;
  const select = db.prepare<[string], { response: string; conversation: string }>('SELECT response, conversation FROM responses WHERE id = ?');
  const insert = db.prepare(
    'INSERT OR REPLACE INTO responses (id, seq, response, conversation) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM responses), ?, ?)',
  );
  const trim = db.prepare('DELETE FROM responses WHERE seq <= (SELECT MAX(seq) FROM responses) - ?');
  const remove = db.prepare('DELETE FROM responses WHERE id = ?');
  return {
    get(id) {
      const row = select.get(id);
      if (row === undefined) return undefined;
      return { response: JSON.parse(row.response) as Record<string, unknown>, conversation: JSON.parse(row.conversation) as ChatMessage[] };
    },
    put(id, stored) {
      insert.run(id, JSON.stringify(stored.response), JSON.stringify(stored.conversation));
      trim.run(limit);
    },
    delete(id) {
      return remove.run(id).changes > 0;
    },
    close() {
      db.close();
    },
  };
}
