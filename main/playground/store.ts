/**
 * Saved Playground conversations and presets, in one SQLite file in the data
 * dir (better-sqlite3, WAL). Each conversation is stored whole as JSON next to
 * the few columns the list and search need; search is a case-insensitive
 * substring match over the title and every message.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  conversationInputSchema,
  presetInputSchema,
  type Conversation,
  type ConversationInput,
  type ConversationSummary,
  type Lane,
  type Preset,
  type PresetInput,
} from './schema.js';

export interface PlaygroundStoreOptions {
  /** The SQLite file; its folder is created when missing. */
  readonly path: string;
  /** The clock, for tests. */
  readonly now?: () => Date;
}

export interface ListQuery {
  /** Matches the title or any message, ignoring case. */
  readonly search?: string;
  readonly limit?: number;
}

export class PlaygroundStore {
  private readonly db: Database.Database;
  private readonly now: () => Date;

  constructor(options: PlaygroundStoreOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        search_text TEXT NOT NULL,
        targets TEXT NOT NULL,
        message_count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated_at DESC);
      CREATE TABLE IF NOT EXISTS presets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `);
    this.now = options.now ?? (() => new Date());
  }

  listConversations(query: ListQuery = {}): ConversationSummary[] {
    const limit = query.limit ?? 100;
    const search = query.search?.trim().toLowerCase() ?? '';
    const rows = (
      search
        ? this.db
            .prepare('SELECT id, title, targets, message_count, created_at, updated_at FROM conversations WHERE instr(search_text, ?) > 0 ORDER BY updated_at DESC, id LIMIT ?')
            .all(search, limit)
        : this.db.prepare('SELECT id, title, targets, message_count, created_at, updated_at FROM conversations ORDER BY updated_at DESC, id LIMIT ?').all(limit)
    ) as SummaryRow[];
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      targets: JSON.parse(row.targets) as ConversationSummary['targets'],
      messageCount: row.message_count,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  getConversation(id: string): Conversation | undefined {
    const row = this.db.prepare('SELECT body FROM conversations WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Conversation) : undefined;
  }

  /** Creates (no id, or an id not yet saved) or replaces a conversation; throws a ZodError on a bad shape. */
  saveConversation(input: ConversationInput, id?: string): Conversation {
    const parsed = conversationInputSchema.parse(input);
    const existing = id === undefined ? undefined : this.getConversation(id);
    const stamp = this.now().toISOString();
    const conversation: Conversation = {
      id: id ?? randomUUID(),
      title: parsed.title?.trim() || titleFrom(parsed.lanes),
      systemPrompt: parsed.systemPrompt,
      parameters: parsed.parameters,
      lanes: parsed.lanes,
      createdAt: existing?.createdAt ?? stamp,
      updatedAt: stamp,
    };
    this.db
      .prepare(
        `INSERT INTO conversations (id, title, body, search_text, targets, message_count, created_at, updated_at)
         VALUES (@id, @title, @body, @search, @targets, @count, @createdAt, @updatedAt)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, body = excluded.body, search_text = excluded.search_text,
           targets = excluded.targets, message_count = excluded.message_count, updated_at = excluded.updated_at`,
      )
      .run({
        id: conversation.id,
        title: conversation.title,
        body: JSON.stringify(conversation),
        search: searchText(conversation),
        targets: JSON.stringify(conversation.lanes.map((lane) => lane.target)),
        count: conversation.lanes.reduce((sum, lane) => sum + lane.messages.length, 0),
        createdAt: conversation.createdAt,
        updatedAt: conversation.updatedAt,
      });
    return conversation;
  }

  /** True when something was deleted. */
  deleteConversation(id: string): boolean {
    return this.db.prepare('DELETE FROM conversations WHERE id = ?').run(id).changes > 0;
  }

  listPresets(): Preset[] {
    const rows = this.db.prepare('SELECT body FROM presets ORDER BY name COLLATE NOCASE, id').all() as { body: string }[];
    return rows.map((row) => JSON.parse(row.body) as Preset);
  }

  getPreset(id: string): Preset | undefined {
    const row = this.db.prepare('SELECT body FROM presets WHERE id = ?').get(id) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as Preset) : undefined;
  }

  savePreset(input: PresetInput, id?: string): Preset {
    const parsed = presetInputSchema.parse(input);
    const existing = id === undefined ? undefined : this.getPreset(id);
    const stamp = this.now().toISOString();
    const preset: Preset = {
      id: id ?? randomUUID(),
      name: parsed.name.trim(),
      systemPrompt: parsed.systemPrompt,
      parameters: parsed.parameters,
      createdAt: existing?.createdAt ?? stamp,
      updatedAt: stamp,
    };
    this.db
      .prepare(
        `INSERT INTO presets (id, name, body, created_at, updated_at) VALUES (@id, @name, @body, @createdAt, @updatedAt)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, body = excluded.body, updated_at = excluded.updated_at`,
      )
      .run({ id: preset.id, name: preset.name, body: JSON.stringify(preset), createdAt: preset.createdAt, updatedAt: preset.updatedAt });
    return preset;
  }

  deletePreset(id: string): boolean {
    return this.db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface SummaryRow {
  id: string;
  title: string;
  targets: string;
  message_count: number;
  created_at: string;
  updated_at: string;
}

/** The first user message, shortened; "New conversation" when there is none yet. */
export function titleFrom(lanes: readonly Lane[]): string {
  const first = lanes.flatMap((lane) => lane.messages).find((m) => m.role === 'user' && m.content.trim());
  if (!first) return 'New conversation';
  const line = first.content.trim().replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function searchText(conversation: Conversation): string {
  const parts = [conversation.title, conversation.systemPrompt];
  for (const lane of conversation.lanes) {
    parts.push(lane.target.id);
    for (const message of lane.messages) parts.push(message.content);
  }
  return parts.join('\n').toLowerCase();
}
