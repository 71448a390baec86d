import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createResponseCache } from '../../main/cache/response-cache.js';
import { chatRequest, contentOf, tempCacheFile } from './fixtures.js';

const WRITER = fileURLToPath(new URL('./fixtures/cache-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `count` stores, then SIGKILLs it mid-write; answers the last acknowledged n. */
async function writeThenKill(file: string, count: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (part: Buffer) => (stderr += part.toString()));
  let last = -1;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (part: Buffer) => {
      buffered += part.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) last = Number(line.replace('stored ', ''));
      if (last >= count - 1 && !child.killed) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early (${code}): ${stderr}`))));
  });
  await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  expect(child.signalCode).toBe('SIGKILL');
  return last;
}

describe('cache file after kill -9', () => {
  it('a writer killed mid-writes leaves an intact file holding every acknowledged entry', async () => {
    const file = tempCacheFile();
    const last = await writeThenKill(file, 300);
    expect(last).toBeGreaterThanOrEqual(299);

    const db = new Database(file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    const cache = createResponseCache({ file, embed: async (texts) => texts.map((t) => [t.length, 1, 2, 3]) });
    try {
      expect(cache.stats().entries).toBeGreaterThanOrEqual(last + 1);
      for (const n of [0, Math.floor(last / 2), last]) {
        const hit = await cache.lookup(chatRequest({ seed: n, messages: [{ role: 'user', content: `question ${n}` }] }), {});
        expect(contentOf(hit?.completion)).toMatch(new RegExp(`^answer ${n} `));
      }
      // The vectors written before the kill load back too: the same question as text parts is no exact match, only a semantic one.
      const asParts = chatRequest({ seed: 0, messages: [{ role: 'user', content: [{ type: 'text', text: 'question 0' }] }] });
      expect((await cache.lookup(asParts, { semanticThreshold: 0.99 }))?.kind).toBe('semantic');
      // And the file takes new writes.
      await cache.store(chatRequest({ seed: -1 }), { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'after' }, finish_reason: 'stop' }], usage: {} });
      expect(contentOf((await cache.lookup(chatRequest({ seed: -1 }), {}))?.completion)).toBe('after');
    } finally {
      cache.close();
    }
  });
});
