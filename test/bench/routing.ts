/**
 * The router's figures for `npm run bench`, side by side in one engine process:
 *
 * - the hot path: the same 1-token chat through the gateway to a model with no
 *   route, to a route with one local target, and through a bare node:http proxy,
 *   each paired with a direct call to the runtime in interleaved rounds;
 * - streaming TTFT and 16-concurrent throughput through a route;
 * - an exact cache hit end to end vs a direct 1-token call, and the engine's own
 *   time for a hit from Server-Timing;
 * - the routing decision alone with 3 targets (in process);
 * - a burst: 16 concurrent clients against one local slot pool with a cloud
 *   double (test/fixtures/cloud-double.ts, a protocol double) adding 50 ms,
 *   with and without the cloud: share per tier and p95 latency.
 */
import { performance } from 'node:perf_hooks';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { Router } from '../../main/routing/router.js';
import { SecretResolver } from '../../main/secrets/resolver.js';
import { createSecretStore } from '../../main/secrets/store.js';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';
import type { ModelEntry } from '../../main/gateway/types.js';
import type { RuntimeHandle } from '../../main/runtimes/types.js';
import { startCloudDouble } from '../fixtures/cloud-double.js';
import { createClient, type BenchClient } from './http-client.js';
import { startBareProxy, startEngineProcess } from './serve-process.js';
import { median, percentile, fmt } from './stats.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type BenchRow = [string, string, string, boolean | null];

/** CPU time of a process's main thread so far (ns), from /proc (Linux). */
function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ', 1)[0]);
}

const KEY = 'sk-bench-cloud-double-0123456789abcdef';
const PATH = '/v1/chat/completions';

/** The routing decision alone: 3 targets (a busy local model, a self-hosted server, a cloud), in process. */
export function measureDecision(): number {
  const runtime = { id: 'embedded:m', kind: 'embedded', snapshot: () => ({ state: 'ready', lastError: null }) } as unknown as RuntimeHandle;
  const entry = { id: 'm', aliases: [], ownedBy: 'x', created: 0, upstreamModel: 'm', runtime } as ModelEntry;
  const router = new Router({
    config: {
      privacy: false,
      breaker: { failures: 3, cooldownMs: 5000, maxCooldownMs: 60_000 },
      providers: {
        lan: { baseUrl: 'http://192.168.1.9:8000/v1', kind: 'self-hosted', prices: {}, contextTokens: {} },
        cloud: { baseUrl: 'https://api.example.com/v1', kind: 'cloud', prices: { big: { inputPerMTok: 1, outputPerMTok: 2 } }, contextTokens: { big: 128_000 }, dailyBudgetUsd: 5 },
      },
      routes: { chat: { targets: ['local:m', 'lan:m', 'cloud:big'], policy: 'prefer-local', maxQueueWaitMs: 2000, firstByteTimeoutMs: 60_000, idleTimeoutMs: 30_000, retries: 1, cache: { enabled: true, allowSampling: false }, aliases: [] } },
    },
    local: { resolve: (n) => (n === 'm' ? entry : undefined), facts: () => ({ parallel: 4, contextLength: 4096 }) },
    secrets: new SecretResolver({ store: createSecretStore({ dir: mkdtempSync(join(tmpdir(), 'homeport-bench-secrets-')) }) }),
    metrics: new ModelMetrics(),
    readyDeadlineMs: 60_000,
    healthIntervalMs: 3_600_000,
  });
  const route = router.route('chat')!;
  // Keep the local model busy so all three targets are judged.
  const ends = Array.from({ length: 8 }, () => router.load.begin('embedded:m'));
  const perCall: number[] = [];
  for (let batch = 0; batch < 200; batch++) {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) router.decide(route, 400);
    perCall.push((performance.now() - t0) / 1000);
  }
  ends.forEach((end) => end(true));
  router.close();
  return median(perCall.slice(20));
}

async function post(client: BenchClient, body: string): Promise<{ ms: number; headers: Record<string, string | string[] | undefined> }> {
  const started = performance.now();
  const res = await client.pool.request({ method: 'POST', path: PATH, body, headers: client.headers });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`${PATH} answered ${res.statusCode}`);
  return { ms: performance.now() - started, headers: res.headers };
}

function serverTimingTotal(header: unknown, names: readonly string[]): number {
  let sum = 0;
  for (const part of String(header ?? '').split(',')) {
    const m = /^\s*([a-z]+);dur=([\d.]+)/.exec(part);
    if (m && names.includes(m[1]!)) sum += Number(m[2]);
  }
  return sum;
}

export async function measureRouting(options: { model: string; samples?: number }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const samples = options.samples ?? 600;
  const decision = measureDecision();
  rows.push(['Routing decision alone, 3 targets (local busy, LAN server, cloud), p50', `${fmt(decision * 1000, 2)} µs`, '≤ 0.05 ms', decision <= 0.05]);

  const cloud = await startCloudDouble({ key: KEY, latencyMs: 50 });
  const id = options.model.replace(/^.*\//, '').replace(/\.gguf$/, '').toLowerCase();
  const config = {
    providers: { cloud: { baseUrl: cloud.baseUrl, kind: 'cloud', apiKeyEnv: 'BENCH_CLOUD_KEY', prices: { gpt: { inputPerMTok: 0.15, outputPerMTok: 0.6 } } } },
    routes: {
      routed: { targets: [`local:${id}`], cache: { enabled: false } },
      cached: { targets: [`local:${id}`], cache: { enabled: true } },
      burst: { targets: [`local:${id}`, 'cloud:gpt'], maxQueueWaitMs: 100, cache: { enabled: true } },
      'no-burst': { targets: [`local:${id}`], policy: 'local-only', cache: { enabled: true } },
    },
  };
  const engine = await startEngineProcess({ model: options.model, port: await allocatePort({ host: '127.0.0.1' }), ctx: 2048, parallel: 4, threads: 1, config, env: { BENCH_CLOUD_KEY: KEY } });
  const gateway = createClient(engine.origin);
  const direct = createClient(engine.runtime.origin, 32, engine.runtime.headers);
  const proxy = await startBareProxy(engine.runtime.origin, engine.runtime.headers);
  const viaProxy = createClient(proxy.origin);
  try {
    const small = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, temperature: 0, ...extra });
    const calls: [string, BenchClient, string][] = [
      ['direct', direct, small(id)],
      ['unrouted', gateway, small(id)],
      ['routed', gateway, small('routed')],
      ['bare proxy', viaProxy, small(id)],
    ];
    for (let i = 0; i < 50; i++) for (const [, c, b] of calls) await post(c, b);
    const added = calls.map((): number[] => []);
    const times = calls.map((): number[] => []);
    /** Engine CPU per gateway call (µs), by call kind: a steadier figure than latency on a shared machine. */
    const engineCpu = calls.map((): number[] => []);
    for (let i = 0; i < samples; i++) {
      const round: number[] = new Array<number>(calls.length);
      for (let k = 0; k < calls.length; k++) {
        const at = (i + k) % calls.length;
        const viaEngine = calls[at]![1] === gateway;
        const before = viaEngine ? cpuNs(engine.pid) : 0;
        round[at] = (await post(calls[at]![1], calls[at]![2])).ms;
        if (viaEngine) engineCpu[at]!.push((cpuNs(engine.pid) - before) / 1000);
      }
      round.forEach((ms, k) => {
        times[k]!.push(ms);
        added[k]!.push(ms - round[0]!);
      });
    }
    const p50 = (k: number) => median(added[k]!);
    const p99 = (k: number) => percentile(times[k]!, 99);
    rows.push(['Hot path added p50 over direct — no route / one-target route / bare proxy', `${fmt(p50(1), 3)} / ${fmt(p50(2), 3)} / ${fmt(p50(3), 3)} ms`, 'route ≤ bare + 0.1 ms', p50(2) <= p50(3) + 0.1]);
    rows.push(['Hot path p99 — route / bare proxy / direct', `${fmt(p99(2), 3)} / ${fmt(p99(3), 3)} / ${fmt(p99(0), 3)} ms`, 'route ≤ bare', p99(2) <= p99(3)]);

    const streamBody = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0, stream: true });
    const ttft = [[] as number[], [] as number[], [] as number[]];
    const streamCpu: number[] = [];
    const streamCalls: [BenchClient, string][] = [[direct, streamBody(id)], [gateway, streamBody('routed')], [viaProxy, streamBody(id)]];
    // The stream paths warmed like the others (the routed relay's code has not run before this point).
    for (let i = 0; i < 600; i++) for (const [client, body] of streamCalls) await client.timedStream(PATH, body);
    for (let i = 0; i < 150; i++) for (let k = 0; k < 3; k++) {
      const at = (i + k) % 3;
      const before = at === 1 ? cpuNs(engine.pid) : 0;
      ttft[at]!.push((await streamCalls[at]![0].timedStream(PATH, streamCalls[at]![1])).ttftMs);
      if (at === 1) streamCpu.push((cpuNs(engine.pid) - before) / 1000);
    }
    const routeTtft = median(ttft[1]!) - median(ttft[0]!);
    const bareTtft = median(ttft[2]!) - median(ttft[0]!);
    rows.push(['Streaming TTFT added p50 — route / bare proxy', `${fmt(routeTtft, 3)} / ${fmt(bareTtft, 3)} ms`, 'route ≤ bare + 0.1 ms', routeTtft <= bareTtft + 0.1]);
    rows.push([
      'Engine CPU per request, main thread (/proc schedstat, median) — no route / one-target route / route streaming 2 tokens',
      `${fmt(median(engineCpu[1]!), 0)} / ${fmt(median(engineCpu[2]!), 0)} / ${fmt(median(streamCpu), 0)} µs`,
      '',
      null,
    ]);

    // 16 concurrent clients, in alternating 1.5 s rounds (direct, route, bare proxy) so load on this shared machine hits all three alike.
    const rps = async (client: BenchClient, body: string): Promise<{ done: number; ms: number }> => {
      let done = 0;
      const until = performance.now() + 1500;
      const started = performance.now();
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (performance.now() < until) {
          await post(client, body);
          done++;
        }
      }));
      return { done, ms: performance.now() - started };
    };
    const rates: [BenchClient, string, { done: number; ms: number }][] = [
      [direct, small(id), { done: 0, ms: 0 }],
      [gateway, small('routed'), { done: 0, ms: 0 }],
      [viaProxy, small(id), { done: 0, ms: 0 }],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [client, body, total] of rates) {
        const r = await rps(client, body);
        total.done += r.done;
        total.ms += r.ms;
      }
    }
    const [directRps, routedRps, bareRps] = rates.map(([, , t]) => t.done / (t.ms / 1000)) as [number, number, number];
    rows.push([
      '16 concurrent clients through a route vs direct (bare proxy: the ceiling of a process hop on this machine)',
      `${fmt(routedRps, 0)} / ${fmt(directRps, 0)} req/s (${fmt((routedRps / directRps) * 100, 1)} %; bare proxy ${fmt(bareRps, 0)} req/s, ${fmt((bareRps / directRps) * 100, 1)} %)`,
      '≥ 90 %',
      routedRps / directRps >= 0.9,
    ]);

    // Exact cache hit end to end vs a direct 1-token call.
    const cachedBody = small('cached', { messages: [{ role: 'user', content: 'cache bench' }] });
    await post(gateway, cachedBody);
    const hits: number[] = [];
    const engineTimes: number[] = [];
    const directs: number[] = [];
    for (let i = 0; i < 300; i++) {
      const hit = await post(gateway, cachedBody);
      if (hit.headers['x-homeport-cache'] !== 'hit') throw new Error('the cache bench request did not hit');
      hits.push(hit.ms);
      engineTimes.push(serverTimingTotal(hit.headers['server-timing'], ['routing', 'cache']));
      directs.push((await post(direct, small(id))).ms);
    }
    rows.push(['Exact cache hit end to end vs direct 1-token call, p50', `${fmt(median(hits), 3)} / ${fmt(median(directs), 3)} ms`, 'hit faster', median(hits) < median(directs)]);
    rows.push(['Engine time for a cache hit (Server-Timing routing + cache), p50', `${fmt(median(engineTimes), 3)} ms`, '≤ 0.2 ms', median(engineTimes) <= 0.2]);

    // Burst: 16 clients, one local slot pool, cloud double +50 ms; a quarter of the prompts repeat (cacheable).
    const burst = async (route: string) => {
      const tiers: Record<string, number> = {};
      const latencies: number[] = [];
      await Promise.all(Array.from({ length: 16 }, async (_, c) => {
        for (let i = 0; i < 12; i++) {
          const repeat = i % 4 === 0;
          const body = JSON.stringify({ model: route, max_tokens: 48, temperature: repeat ? 0 : 0.8, messages: [{ role: 'user', content: repeat ? `repeat ${i}` : `client ${c} turn ${i}` }] });
          const r = await post(gateway, body);
          latencies.push(r.ms);
          const tier = /tier=(\w+)/.exec(String(r.headers['x-homeport-route']))?.[1] ?? 'unknown';
          tiers[tier] = (tiers[tier] ?? 0) + 1;
        }
      }));
      const total = latencies.length;
      const share = ['cache', 'local', 'cloud'].map((t) => `${t} ${fmt(((tiers[t] ?? 0) / total) * 100, 0)} %`).join(', ');
      return { share, p95: percentile(latencies, 95) };
    };
    const without = await burst('no-burst');
    const withCloud = await burst('burst');
    rows.push(['Burst, 16 clients on 4 local slots, local only: share / p95', `${without.share} / ${fmt(without.p95, 1)} ms`, '', null]);
    rows.push(['Burst, 16 clients, cloud double +50 ms, maxQueueWaitMs 100: share / p95', `${withCloud.share} / ${fmt(withCloud.p95, 1)} ms`, '', null]);
  } finally {
    await gateway.close();
    await direct.close();
    await viaProxy.close();
    proxy.stop();
    await engine.stop();
    await cloud.close();
  }
  return rows;
}
