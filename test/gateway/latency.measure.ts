/**
 * Measures the latency the gateway adds over calling the runtime directly:
 * small non-stream chat requests to the fake upstream, alternating direct and
 * through the gateway, each over its own kept-alive connection.
 * Not a test (speed targets belong in benchmarks); run by hand:
 *   node --import tsx test/gateway/latency.measure.ts [rounds]
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startFakeUpstream } from '../fixtures/fake-upstream.js';
import { FakeRuntime, directoryOf, modelEntry, startGateway } from './harness.js';

const rounds = Number(process.argv[2] ?? 500);
const warmup = 100;
const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });

function post(agent: http.Agent, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const upstream = await startFakeUpstream({ record: false });
const runtime = new FakeRuntime('rt-bench', { kind: 'ready', endpoint: upstream.endpoint() });
const gateway = await startGateway({ models: directoryOf([modelEntry('bench', runtime)]) });
const directAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const gatewayAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const direct: number[] = [];
const viaGateway: number[] = [];
const deltas: number[] = [];
for (let i = 0; i < warmup + rounds; i++) {
  // Alternate which goes first so neither side always benefits from a warm cache.
  const first = i % 2 === 0;
  const d1 = first ? await post(directAgent, upstream.port) : -1;
  const g = await post(gatewayAgent, gateway.port);
  const d = first ? d1 : await post(directAgent, upstream.port);
  if (i >= warmup) {
    direct.push(d);
    viaGateway.push(g);
    deltas.push(g - d);
  }
}

const fmt = (n: number): string => n.toFixed(3);
console.log(`rounds: ${rounds} (after ${warmup} warm-up), node ${process.version}`);
console.log(`direct      p50 ${fmt(percentile(direct, 50))} ms  p90 ${fmt(percentile(direct, 90))} ms`);
console.log(`via gateway p50 ${fmt(percentile(viaGateway, 50))} ms  p90 ${fmt(percentile(viaGateway, 90))} ms`);
console.log(`added (p50 of paired differences) ${fmt(percentile(deltas, 50))} ms; difference of p50s ${fmt(percentile(viaGateway, 50) - percentile(direct, 50))} ms`);

directAgent.destroy();
gatewayAgent.destroy();
await gateway.close();
await upstream.close();
