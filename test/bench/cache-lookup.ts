/**
 * The response cache's own cost, at 10,000 entries in a real SQLite file:
 * exact hit and miss lookups, a store, and the semantic lookup (the scan
 * over the context's vectors plus fetching the matched entry). The embedding
 * function is a stand-in that answers a precomputed vector at once, so the
 * figures are the cache's part; the embedding model's own time comes on top.
 *
 *   npm run build:engine && node dist/test/bench/cache-lookup.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createResponseCache } from '../../main/cache/response-cache.js';
import { SemanticIndex, unitVector } from '../../main/cache/semantic-index.js';
import type { CacheRequest, ChatCompletionJson } from '../../main/cache/types.js';
import { fmt, percentile } from './stats.js';

export interface CacheLookupFigures {
  readonly entries: number;
  readonly exactHitP50Us: number;
  readonly exactHitP99Us: number;
  readonly exactMissP50Us: number;
  readonly storeP50Us: number;
  /** Semantic lookups through the cache (embed stand-in, scan, fetch, parse), all entries in one context, clustered vectors. */
  readonly semanticOneContext: { readonly dims: number; readonly p50Ms: number; readonly p99Ms: number }[];
  /** The scan alone over all entries of one context: random and clustered vectors, and a full scan without early exits (the ceiling). */
  readonly scanOnly: { readonly dims: number; readonly randomP50Ms: number; readonly clusteredP50Ms: number; readonly fullP50Ms: number }[];
  /** Semantic lookup with the entries spread over 100 contexts (100 scanned), clustered vectors, 384 dims. */
  readonly semanticSpreadP50Ms: number;
}

/** A small deterministic generator, so runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomVector(next: () => number, dims: number): number[] {
  return Array.from({ length: dims }, () => next() * 2 - 1);
}

/** `base` plus uniform noise of the given amplitude per component. */
function near(base: readonly number[], next: () => number, noise: number): number[] {
  return base.map((v) => v + (next() * 2 - 1) * noise);
}

/**
 * Stored questions: `random` vectors are unrelated to each other (cosine ≈ 0);
 * `clustered` ones share one direction, so any two have a cosine of about
 * 0.75, as questions on one topic do with a real embedding model. The scan's
 * early exits work less well on clustered data.
 */
type Spread = 'random' | 'clustered';

function vectorSource(spread: Spread, dims: number, next: () => number): () => number[] {
  if (spread === 'random') return () => randomVector(next, dims);
  const base = randomVector(next, dims);
  // Noise of amplitude 1/√3 has a third of the base components' variance: cosine ≈ 1 / (1 + 1/3) = 0.75.
  return () => near(base, next, 1 / Math.sqrt(3));
}

const answer = (n: number): ChatCompletionJson => ({
  id: `chatcmpl-${n}`,
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench',
  choices: [{ index: 0, message: { role: 'assistant', content: `Answer number ${n}: ${'lorem ipsum '.repeat(20)}` }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 40, completion_tokens: 60, total_tokens: 100 },
});

const ask = (n: number, context: number, question = `Question ${n}?`): CacheRequest => ({
  route: 'bench',
  endpoint: 'chat.completions',
  body: {
    model: 'bench',
    temperature: 0,
    max_tokens: 128,
    messages: [
      { role: 'system', content: `You are assistant number ${context}. Answer briefly and precisely.` },
      { role: 'user', content: question },
    ],
  },
});

async function timeUs(samples: number, call: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = process.hrtime.bigint();
    await call(i);
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return times;
}

/** Fills a cache with `entries` semantic entries over `contexts` contexts; answers lookups' latencies. */
async function semanticRun(options: { dir: string; entries: number; contexts: number; dims: number; samples: number }) {
  const next = random(options.dims * 7 + options.contexts);
  const source = vectorSource('clustered', options.dims, next);
  const vectors = new Map<string, number[]>();
  const cache = createResponseCache({
    file: join(options.dir, `semantic-${options.dims}-${options.contexts}.sqlite`),
    maxBytes: 2 * 1024 ** 3,
    embed: async (texts) => texts.map((t) => vectors.get(t) ?? randomVector(next, options.dims)),
  });
  try {
    const stored: number[][] = [];
    for (let n = 0; n < options.entries; n++) {
      const vector = source();
      stored.push(vector);
      vectors.set(`Question ${n}?`, vector);
      await cache.store(ask(n, n % options.contexts), answer(n), { semantic: true });
    }
    let hits = 0;
    const times = await timeUs(options.samples, async (i) => {
      const n = (i * 7919) % options.entries;
      const question = `Paraphrase ${i} of question ${n}?`;
      vectors.set(question, near(stored[n]!, next, 0.05));
      const hit = await cache.lookup(ask(n, n % options.contexts, question), { semanticThreshold: 0.95 });
      if (hit?.kind === 'semantic') hits++;
    });
    if (hits !== options.samples) throw new Error(`semantic bench: expected every paraphrase to hit, ${hits}/${options.samples} did`);
    return times.map((us) => us / 1000);
  } finally {
    cache.close();
  }
}

/** The scan alone: SemanticIndex.search over `entries` vectors of one context, the query a paraphrase of one of them. */
function scanOnly(entries: number, dims: number, spread: Spread, threshold: number, samples: number): number[] {
  const next = random(dims + (spread === 'random' ? 1 : 2));
  const source = vectorSource(spread, dims, next);
  const index = new SemanticIndex();
  const rows: number[][] = [];
  for (let id = 0; id < entries; id++) {
    rows.push(source());
    index.add('ctx', id, unitVector(rows[id]!)!);
  }
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const query = unitVector(near(rows[(i * 7919) % entries]!, next, 0.05))!;
    const started = process.hrtime.bigint();
    const found = index.search('ctx', query, threshold);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (found.length === 0) throw new Error('scan bench: the paraphrase did not match');
  }
  return times;
}

/** The ceiling: every row's full dot product (four running sums, as the index does), no early exits. */
function fullScan(entries: number, dims: number, samples: number): number[] {
  const next = random(dims + 3);
  const vectors = new Float32Array(entries * dims);
  for (let i = 0; i < vectors.length; i++) vectors[i] = next() * 2 - 1;
  const query = unitVector(randomVector(next, dims))!;
  const times: number[] = [];
  let best = -Infinity;
  for (let k = 0; k < samples; k++) {
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < vectors.length; offset += dims) {
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      for (let i = 0; i < dims; i += 4) {
        a += vectors[offset + i]! * query[i]!;
        b += vectors[offset + i + 1]! * query[i + 1]!;
        c += vectors[offset + i + 2]! * query[i + 2]!;
        d += vectors[offset + i + 3]! * query[i + 3]!;
      }
      best = Math.max(best, a + b + c + d);
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  if (!Number.isFinite(best)) throw new Error('full scan bench: nothing scanned');
  return times;
}

export async function measureCacheLookup(options: { entries?: number } = {}): Promise<CacheLookupFigures> {
  const entries = options.entries ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'homeport-cache-bench-'));
  try {
    const cache = createResponseCache({ file: join(dir, 'exact.sqlite'), maxBytes: 2 * 1024 ** 3 });
    let storeTimes: number[];
    let hitTimes: number[];
    let missTimes: number[];
    try {
      storeTimes = await timeUs(entries, (n) => cache.store(ask(n, n % 100), answer(n)));
      // Warm-up, then measured rounds.
      await timeUs(1000, (i) => cache.lookup(ask((i * 31) % entries, ((i * 31) % entries) % 100), {}));
      hitTimes = await timeUs(5000, (i) => {
        const n = (i * 7919) % entries;
        return cache.lookup(ask(n, n % 100), {});
      });
      missTimes = await timeUs(5000, (i) => cache.lookup(ask(entries + i, 0), {}));
      if (cache.stats().hits < 6000) throw new Error('exact bench: lookups did not hit');
    } finally {
      cache.close();
    }
    const semanticOneContext = [];
    const scans = [];
    for (const dims of [384, 768]) {
      const times = await semanticRun({ dir, entries, contexts: 1, dims, samples: 200 });
      semanticOneContext.push({ dims, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) });
      scans.push({
        dims,
        randomP50Ms: percentile(scanOnly(entries, dims, 'random', 0.95, 100), 50),
        clusteredP50Ms: percentile(scanOnly(entries, dims, 'clustered', 0.95, 100), 50),
        fullP50Ms: percentile(fullScan(entries, dims, 30), 50),
      });
    }
    const spread = await semanticRun({ dir, entries, contexts: 100, dims: 384, samples: 500 });
    return {
      entries,
      exactHitP50Us: percentile(hitTimes, 50),
      exactHitP99Us: percentile(hitTimes, 99),
      exactMissP50Us: percentile(missTimes, 50),
      storeP50Us: percentile(storeTimes, 50),
      semanticOneContext,
      scanOnly: scans,
      semanticSpreadP50Ms: percentile(spread, 50),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as bench table rows: metric, value, target, verdict (null: no target). */
export function cacheLookupRows(f: CacheLookupFigures): [string, string, string, boolean | null][] {
  const rows: [string, string, string, boolean | null][] = [
    [`Cache: exact hit lookup at ${f.entries} entries (hash, SQLite read, LRU touch, parse) p50 / p99`, `${fmt(f.exactHitP50Us / 1000, 3)} / ${fmt(f.exactHitP99Us / 1000, 3)} ms`, '≤ 0.2 ms p50 (engine time for a hit)', f.exactHitP50Us / 1000 <= 0.2],
    [`Cache: exact miss lookup p50 / store p50`, `${fmt(f.exactMissP50Us / 1000, 3)} / ${fmt(f.storeP50Us / 1000, 3)} ms`, '', null],
  ];
  for (const s of f.semanticOneContext) {
    rows.push([`Cache: semantic lookup, ${f.entries} entries in one context, ${s.dims} dims, on-topic questions (scan + fetch; embedding not included) p50 / p99`, `${fmt(s.p50Ms, 2)} / ${fmt(s.p99Ms, 2)} ms`, 'measure', null]);
  }
  for (const s of f.scanOnly) {
    rows.push([`Cache: semantic scan alone, ${f.entries} × ${s.dims} dims, p50 — unrelated / on-topic questions / full scan without early exits`, `${fmt(s.randomP50Ms, 2)} / ${fmt(s.clusteredP50Ms, 2)} / ${fmt(s.fullP50Ms, 2)} ms`, '', null]);
  }
  rows.push([`Cache: semantic lookup, ${f.entries} entries over 100 contexts, 384 dims, p50`, `${fmt(f.semanticSpreadP50Ms, 3)} ms`, '', null]);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await measureCacheLookup();
  console.log(`Load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores\n`);
  console.log('| metric | value | target | |');
  console.log('| --- | --- | --- | --- |');
  for (const [metric, value, target, verdict] of cacheLookupRows(figures)) console.log(`| ${metric} | ${value} | ${target} | ${verdict === null ? '' : verdict ? 'met' : '**missed**'} |`);
}
