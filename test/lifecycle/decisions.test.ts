import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecisionLog } from '../../main/lifecycle/decisions.js';
import type { Decision } from '../../main/lifecycle/decisions.js';
import { JsonLinesFile } from '../../main/lifecycle/json-lines-file.js';
import type { AppendOnlyFileSystem } from '../../main/lifecycle/json-lines-file.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'homeport-decisions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readLines(file: string): Decision[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Decision);
}

describe('DecisionLog', () => {
  it('records decisions with time and details, and keeps only the newest `capacity`', () => {
    let now = 1_000;
    const log = new DecisionLog({ capacity: 3, now: () => now });
    for (let i = 1; i <= 5; i += 1) {
      now += 10;
      log.record({ kind: 'load', model: `m${i}`, reason: `loading m${i}`, details: { evicted: [] } });
    }
    expect(log.list().map((d) => d.model)).toEqual(['m3', 'm4', 'm5']);
    expect(log.list({ limit: 2 }).map((d) => d.model)).toEqual(['m4', 'm5']);
    expect(log.list({ limit: 0 })).toEqual([]);
    expect(log.list()[2]).toEqual({ at: 1_050, kind: 'load', model: 'm5', reason: 'loading m5', details: { evicted: [] } });
  });

  it('keeps 1,000 by default', () => {
    const log = new DecisionLog();
    for (let i = 0; i < 1_005; i += 1) log.record({ kind: 'wait', model: 'm', reason: String(i) });
    const kept = log.list();
    expect(kept).toHaveLength(1_000);
    expect(kept[0]!.reason).toBe('5');
  });

  it('notifies subscribers until they unsubscribe; a throwing listener does not stop the others', () => {
    const log = new DecisionLog();
    const seen: string[] = [];
    log.subscribe(() => {
      throw new Error('broken listener');
    });
    const unsubscribe = log.subscribe((d) => seen.push(d.model));
    log.record({ kind: 'evict', model: 'a', reason: 'r' });
    unsubscribe();
    log.record({ kind: 'evict', model: 'b', reason: 'r' });
    expect(seen).toEqual(['a']);
    expect(log.list()).toHaveLength(2);
  });

  it('persists each decision as one JSON line, appending to what is there', async () => {
    const file = path.join(tmp, 'append.jsonl');
    const errors: Error[] = [];
    const first = new DecisionLog({ sink: new JsonLinesFile({ path: file, onError: (e) => errors.push(e) }) });
    first.record({ kind: 'load', model: 'a', reason: 'loading a' });
    await first.flush();
    const second = new DecisionLog({ sink: new JsonLinesFile({ path: file, onError: (e) => errors.push(e) }) });
    second.record({ kind: 'unload-idle', model: 'a', reason: 'idle', details: { idleMs: 5 } });
    await second.flush();
    expect(readLines(file).map((d) => [d.kind, d.model])).toEqual([
      ['load', 'a'],
      ['unload-idle', 'a'],
    ]);
    expect(readLines(file)[1]!.details).toEqual({ idleMs: 5 });
    expect(errors).toEqual([]);
  });

  it('rotates the file to <path>.1 before it would pass the size cap', async () => {
    const file = path.join(tmp, 'rotate.jsonl');
    const sink = new JsonLinesFile({ path: file, maxBytes: 400, onError: (e) => { throw e; } });
    const log = new DecisionLog({ sink, now: () => 0 });
    const reason = 'x'.repeat(60);
    for (let i = 0; i < 12; i += 1) log.record({ kind: 'wait', model: `m${i}`, reason });
    await log.flush();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(readFileSync(file).length).toBeLessThanOrEqual(400);
    expect(readFileSync(`${file}.1`).length).toBeLessThanOrEqual(400);
    const current = readLines(file).map((d) => d.model);
    const rotated = readLines(`${file}.1`).map((d) => d.model);
    // The two files hold the newest entries, in order, with nothing lost across the last rotation.
    const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
    expect(current.length).toBeGreaterThan(0);
    expect([...rotated, ...current]).toEqual(names.slice(-(rotated.length + current.length)));
  });

  it('reports a failing write to onError and keeps going', async () => {
    const written: string[] = [];
    let failNext = true;
    const fs: AppendOnlyFileSystem = {
      async appendFile(_path, data) {
        if (failNext) {
          failNext = false;
          throw new Error('EACCES: permission denied');
        }
        written.push(data);
      },
      size: async () => 0,
      rename: async () => undefined,
    };
    const errors: string[] = [];
    const log = new DecisionLog({ sink: new JsonLinesFile({ path: '/x/decisions.jsonl', fs, onError: (e) => errors.push(e.message) }) });
    log.record({ kind: 'load', model: 'a', reason: 'r' });
    log.record({ kind: 'load', model: 'b', reason: 'r' });
    await log.flush();
    expect(errors).toEqual(['EACCES: permission denied']);
    expect(written.map((line) => (JSON.parse(line) as Decision).model)).toEqual(['b']);
    expect(log.list()).toHaveLength(2);
  });
});
