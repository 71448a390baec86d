/**
 * `npm run bench`: Homeport's performance figures, measured side by side in
 * one run on this machine, printed as a Markdown table for the README.
 * Not a test: nothing here fails a build.
 */
import { cpus, totalmem, availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { testModel } from '../support/models.js';
import { createClient } from './http-client.js';
import { startBareProxy, startEngineProcess, rssMiB } from './serve-process.js';
import { measureGatewayOverhead } from './gateway-overhead.js';
import { measureHttpDecode, measureInProcessDecode, type DecodeResult } from './decode-speed.js';
import { fmt } from './stats.js';
import { measureColdStart, measureSpareVsCold } from './cold-start.js';
import { benchReadyPath } from '../lifecycle/ready-path-bench.js';
import { cacheLookupRows, measureCacheLookup } from './cache-lookup.js';
import { measureSurfacesOverhead } from './surfaces-overhead.js';
import { measureGrammarDecode } from './grammar-decode.js';
import { measureRouting } from './routing.js';

/** Pause between unloading a model and the request that loads it again (a user does not reload in the same instant). */
const COLD_START_PAUSE_MS = 3_000;

const TOKENS = 128;
const rows: string[][] = [];
const row = (metric: string, value: string, target: string, verdict: boolean | null) => rows.push([metric, value, target, verdict === null ? '' : verdict ? 'met' : '**missed**']);

async function benchModel(name: 'stories260K.gguf' | 'bench-124m-q4_0.gguf', withOverhead: boolean): Promise<{ http: DecodeResult; inproc: DecodeResult }> {
  const model = testModel(name);
  const engine = await startEngineProcess({ model, port: await allocatePort({ host: '127.0.0.1' }), ctx: 2048, parallel: 4, threads: 1 });
  const gateway = createClient(engine.origin);
  const direct = createClient(engine.runtime.origin, 32, engine.runtime.headers);
  const id = name.replace(/\.gguf$/, '').toLowerCase();
  try {
    if (withOverhead) {
      await sleep(500);
      const idle = await rssMiB(engine.pid);
      row('Engine RSS, idle, one model loaded (engine process only)', `${fmt(idle, 1)} MiB`, '≤ 120 MB', idle * 1.048576 <= 120);
      row('Embedded runtime process RSS (stories260K, ctx 2048 × 4)', `${fmt(await rssMiB(engine.runtime.pid), 1)} MiB`, '', null);
      // A bare pass-through proxy in front of the same runtime, measured in the same interleaved rounds:
      // the floor any separate gateway process pays for the extra hop on this machine.
      const proxy = await startBareProxy(engine.runtime.origin, engine.runtime.headers);
      const proxyClient = createClient(proxy.origin);
      let o;
      try {
        o = await measureGatewayOverhead({ gateway, direct, reference: proxyClient, model: id, samples: 600, throughputMs: 3_000 });
      } finally {
        await proxyClient.close();
        proxy.stop();
      }
      row(`Direct call to the runtime, small chat (max_tokens 1), p50`, `${fmt(o.directP50, 3)} ms`, '', null);
      row('Gateway added latency p50 (paired, interleaved)', `${fmt(o.addedP50, 3)} ms`, '≤ 0.5 ms', o.addedP50 <= 0.5);
      row('Gateway added latency p99', `${fmt(o.addedP99, 3)} ms`, '≤ 2 ms', o.addedP99 <= 2);
      row('Gateway added TTFT, streaming, p50', `${fmt(o.addedTtftP50, 3)} ms (direct ${fmt(o.directTtftP50, 2)} ms)`, '≤ 1 ms', o.addedTtftP50 <= 1);
      const floor = o.reference!;
      row('Reference, same rounds: bare node:http proxy process (no checks) — added p50 / p99 / TTFT', `${fmt(floor.addedP50, 3)} / ${fmt(floor.addedP99, 3)} / ${fmt(floor.addedTtftP50, 3)} ms`, '', null);
      row('Throughput at 16 concurrent: gateway / direct', `${fmt(o.gatewayRps, 0)} / ${fmt(o.directRps, 0)} req/s`, '', null);
      const ready = await benchReadyPath();
      row('On-demand path, model already loaded: added cost per request', `${fmt(ready.addedNsPerCall / 1e6, 5)} ms (${fmt(ready.addedNsPerCall, 0)} ns)`, '≤ 0.2 ms', ready.addedNsPerCall / 1e6 <= 0.2);
      const target = { origin: engine.origin, controlToken: engine.controlToken, runtimeId: `embedded:${id}`, model: id, client: gateway };
      const cold = await measureColdStart({ ...target, runs: 5, pauseMs: COLD_START_PAUSE_MS });
      row('Cold start to first token, embedded runtime (request → first token, 3 s after unload), median of 5', `${fmt(cold.medianMs, 0)} ms`, '< 1000 ms', cold.medianMs < 1000);
      // The same with and without the spare worker (lifecycle.spareWorker), on two engines, interleaved.
      const noSpare = await startEngineProcess({ model, port: await allocatePort({ host: '127.0.0.1' }), ctx: 2048, parallel: 4, threads: 1, config: { lifecycle: { spareWorker: false } } });
      const noSpareClient = createClient(noSpare.origin);
      try {
        const pair = await measureSpareVsCold({ spare: target, cold: { ...target, origin: noSpare.origin, controlToken: noSpare.controlToken, client: noSpareClient }, runs: 5, pauseMs: COLD_START_PAUSE_MS });
        row('Cold start to first token: spare worker / none (lifecycle.spareWorker false), interleaved, medians of 5', `${fmt(pair.spareMedianMs, 0)} / ${fmt(pair.coldMedianMs, 0)} ms`, '', null);
      } finally {
        await noSpareClient.close();
        await noSpare.stop();
      }
    }
    if (withOverhead) {
      // Same request through /v1/chat/completions, /v1/messages and /v1/responses, interleaved.
      const s = await measureSurfacesOverhead({ client: gateway, model: id, samples: 300, enginePid: engine.pid });
      row('Chat completions, small request (max_tokens 1), p50 — the surfaces’ baseline', `${fmt(s.chatP50, 3)} ms`, '', null);
      row('/v1/messages (Anthropic) translation: added p50 vs chat (paired)', `${fmt(s.messagesAddedP50, 3)} ms (p50 ${fmt(s.messagesP50, 3)} ms)`, '≤ 0.1 ms', s.messagesAddedP50 <= 0.1);
      row('/v1/responses (OpenAI, store: false) translation: added p50 vs chat (paired)', `${fmt(s.responsesAddedP50, 3)} ms (p50 ${fmt(s.responsesP50, 3)} ms)`, '≤ 0.1 ms', s.responsesAddedP50 <= 0.1);
      if (s.cpu !== undefined) {
        row('Engine CPU per request: chat / added by /v1/messages / added by /v1/responses (paired, /proc schedstat)', `${fmt(s.cpu.chatUs, 0)} / ${fmt(s.cpu.messagesAddedUs, 0)} / ${fmt(s.cpu.responsesAddedUs, 0)} µs`, '', null);
      }
    } else {
      const g = await measureGrammarDecode({ client: gateway, model: id, tokens: TOKENS, runs: 3 });
      row(`${name.replace(/\.gguf$/, '')}: decode tok/s, json_schema grammar / free (1 stream, threads 1)`, `${fmt(g.grammarTokPerSec, 0)} / ${fmt(g.freeTokPerSec, 0)} (${fmt((g.grammarTokPerSec / g.freeTokPerSec) * 100, 0)} %; ${fmt(g.grammarTokens, 0)} / ${fmt(g.freeTokens, 0)} tokens)`, '', null);
    }
    const http = await measureHttpDecode(gateway, id, TOKENS);
    return { http, inproc: { singleTokPerSec: 0, parallelTokPerSec: 0 } };
  } finally {
    await gateway.close();
    await direct.close();
    await engine.stop();
  }
}

async function main() {
  console.error('benchmarking stories260K (gateway overhead, memory, decode)…');
  const stories = await benchModel('stories260K.gguf', true);
  stories.inproc = await measureInProcessDecode(testModel('stories260K.gguf'), TOKENS);
  console.error('benchmarking bench-124m-q4_0 (decode)…');
  const big = await benchModel('bench-124m-q4_0.gguf', false);
  big.inproc = await measureInProcessDecode(testModel('bench-124m-q4_0.gguf'), TOKENS);

  for (const [label, r] of [['stories260K', stories], ['bench-124m-q4_0', big]] as const) {
    row(`${label}: decode tok/s, 1 stream — gateway / in-process`, `${fmt(r.http.singleTokPerSec, 0)} / ${fmt(r.inproc.singleTokPerSec, 0)}`, '', null);
    row(`${label}: decode tok/s, 4 streams aggregate — gateway / in-process`, `${fmt(r.http.parallelTokPerSec, 0)} / ${fmt(r.inproc.parallelTokPerSec, 0)}`, '', null);
  }
  const bigRatio = big.http.singleTokPerSec / big.inproc.singleTokPerSec;
  row('bench-124m: gateway single-stream speed vs in-process', `${fmt(bigRatio * 100, 1)} %`, '≥ 95 %', bigRatio >= 0.95);
  const perToken = 1000 / stories.http.singleTokPerSec;
  const perTokenInproc = 1000 / stories.inproc.singleTokPerSec;
  row('stories260K: per-token time — gateway / in-process', `${fmt(perToken, 3)} / ${fmt(perTokenInproc, 3)} ms/token`, '≈ llama.cpp 0.2–0.4 ms', null);
  const scale = stories.http.parallelTokPerSec / stories.http.singleTokPerSec;
  row('stories260K: 4 parallel streams vs 1 (gateway)', `${fmt(scale, 2)}×`, '≥ 2.5×', scale >= 2.5);

  console.error('benchmarking the response cache (10,000 entries)…');
  for (const [metric, value, target, verdict] of cacheLookupRows(await measureCacheLookup())) row(metric, value, target, verdict);

  console.error('benchmarking the router (hot path, cache hit, decision, burst)…');
  for (const [metric, value, target, verdict] of await measureRouting({ model: testModel('stories260K.gguf') })) row(metric, value, target, verdict);

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`Machine: ${cpu}, ${availableParallelism()} cores, ${fmt(totalmem() / 2 ** 30, 0)} GiB RAM, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; threads 1, ${TOKENS} tokens, greedy.\n`);
  console.log('| metric | value | target | |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

await main();
