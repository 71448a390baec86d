import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { PlaygroundStore, titleFrom } from '../../main/playground/store.js';
import { exportConversation, toMarkdown } from '../../main/playground/export.js';
import type { ConversationInput } from '../../main/playground/schema.js';

let dir: string;
let store: PlaygroundStore;
let clock: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-playground-'));
  clock = Date.parse('2026-01-02T03:04:05.000Z');
  store = new PlaygroundStore({ path: join(dir, 'state', 'playground.sqlite'), now: () => new Date((clock += 1000)) });
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function chat(user: string, answer: string, model = 'stories260K'): ConversationInput {
  return {
    systemPrompt: 'Be brief.',
    parameters: { temperature: 0, maxTokens: 64 },
    lanes: [
      {
        target: { kind: 'model', id: model },
        messages: [
          { role: 'user', content: user },
          { role: 'assistant', content: answer, stats: { model, tier: 'local', cache: 'miss', ttftMs: 12.5, tokensPerSecond: 321.4, completionTokens: 20 } },
        ],
      },
    ],
  };
}

describe('conversations', () => {
  it('saves, lists newest first and reads back whole', () => {
    const a = store.saveConversation(chat('Once upon a time', 'there was a cat'));
    const b = store.saveConversation(chat('Tell me about dogs', 'dogs bark'));
    expect(a.title).toBe('Once upon a time');
    expect(store.listConversations().map((c) => c.id)).toEqual([b.id, a.id]);
    const summary = store.listConversations()[1]!;
    expect(summary).toMatchObject({ id: a.id, messageCount: 2, targets: [{ kind: 'model', id: 'stories260K' }] });
    expect(store.getConversation(a.id)).toEqual(a);
  });

  it('replaces a conversation under its id and keeps its creation time', () => {
    const first = store.saveConversation(chat('hello', 'hi'));
    const second = store.saveConversation({ ...chat('hello', 'hi'), title: 'Greeting' }, first.id);
    expect(second.id).toBe(first.id);
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(store.listConversations()).toHaveLength(1);
    expect(store.getConversation(first.id)?.title).toBe('Greeting');
  });

  it('searches titles and every message, ignoring case', () => {
    const cat = store.saveConversation(chat('Once upon a time', 'there was a CAT named Tom'));
    store.saveConversation(chat('Tell me about dogs', 'dogs bark'));
    expect(store.listConversations({ search: 'cat named' }).map((c) => c.id)).toEqual([cat.id]);
    expect(store.listConversations({ search: 'DOGS' })).toHaveLength(1);
    expect(store.listConversations({ search: 'be brief' })).toHaveLength(2); // the system prompt counts
    expect(store.listConversations({ search: 'giraffe' })).toEqual([]);
    // Characters that mean something to LIKE are plain text here.
    expect(store.listConversations({ search: '%' })).toEqual([]);
  });

  it('deletes, and says when there was nothing to delete', () => {
    const a = store.saveConversation(chat('x', 'y'));
    expect(store.deleteConversation(a.id)).toBe(true);
    expect(store.deleteConversation(a.id)).toBe(false);
    expect(store.getConversation(a.id)).toBeUndefined();
  });

  it('refuses a conversation without lanes', () => {
    expect(() => store.saveConversation({ lanes: [] })).toThrow(/at least one lane/);
  });

  it('survives closing and opening the file again, in WAL mode', () => {
    const a = store.saveConversation(chat('persist me', 'ok'));
    store.close();
    store = new PlaygroundStore({ path: join(dir, 'state', 'playground.sqlite') });
    expect(store.getConversation(a.id)?.lanes[0]?.messages[0]?.content).toBe('persist me');
    const db = new Database(join(dir, 'state', 'playground.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('titles a conversation by its first user message, shortened', () => {
    expect(titleFrom([{ target: { kind: 'model', id: 'm' }, messages: [] }])).toBe('New conversation');
    const long = 'word '.repeat(40);
    const title = titleFrom([{ target: { kind: 'model', id: 'm' }, messages: [{ role: 'user', content: long }] }]);
    expect(title.length).toBe(60);
    expect(title.endsWith('…')).toBe(true);
  });
});

describe('presets', () => {
  it('saves, lists by name, replaces and deletes', () => {
    const z = store.savePreset({ name: 'Zesty', systemPrompt: 'Be zesty.', parameters: { temperature: 1.2 } });
    const a = store.savePreset({ name: 'accurate', parameters: { temperature: 0, seed: 7 } });
    expect(store.listPresets().map((p) => p.name)).toEqual(['accurate', 'Zesty']);
    const renamed = store.savePreset({ name: 'Zesty 2', systemPrompt: 'Be zesty.' }, z.id);
    expect(renamed.createdAt).toBe(z.createdAt);
    expect(store.getPreset(z.id)?.name).toBe('Zesty 2');
    expect(store.deletePreset(a.id)).toBe(true);
    expect(store.listPresets().map((p) => p.id)).toEqual([z.id]);
  });

  it('refuses an empty name and out-of-range parameters', () => {
    expect(() => store.savePreset({ name: '' })).toThrow(/name must not be empty/);
    expect(() => store.savePreset({ name: 'hot', parameters: { temperature: 3 } })).toThrow();
  });
});

describe('export', () => {
  it('writes JSON that reads back as the same conversation', () => {
    const saved = store.saveConversation(chat('Once upon a time', 'there was a cat'));
    const file = exportConversation(saved, 'json');
    expect(file.filename).toBe('once-upon-a-time.json');
    expect(JSON.parse(file.body)).toEqual({ format: 'homeport.playground.conversation', version: 1, conversation: saved });
  });

  it('writes Markdown with the system prompt, each lane and each answer with its stats', () => {
    const saved = store.saveConversation({
      ...chat('Compare', 'first answer', 'stories-a'),
      lanes: [chat('Compare', 'first answer', 'stories-a').lanes[0]!, chat('Compare', 'second answer', 'stories-b').lanes[0]!],
    });
    const md = toMarkdown(saved);
    expect(md.startsWith('# Compare\n')).toBe(true);
    expect(md).toContain('Parameters: temperature 0, max tokens 64.');
    expect(md).toContain('## System prompt\n\n> Be brief.');
    expect(md.indexOf('## Model: stories-a')).toBeLessThan(md.indexOf('## Model: stories-b'));
    expect(md).toContain('### Assistant\n\nsecond answer\n\n_stories-b · tier local · cache miss · TTFT 13 ms · 321.4 tok/s · 20 tokens_');
    expect(exportConversation(saved, 'markdown')).toMatchObject({ filename: 'compare.md', contentType: 'text/markdown; charset=utf-8' });
  });
});
