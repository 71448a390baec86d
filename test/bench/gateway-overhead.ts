import { performance } from 'node:perf_hooks';
import type { BenchClient } from './http-client.js';
import { median, percentile } from './stats.js';

export interface OverheadResult {
  readonly samples: number;
  readonly directP50: number;
  readonly gatewayP50: number;
  readonly addedP50: number;
  readonly addedP99: number;
  readonly directTtftP50: number;
  readonly addedTtftP50: number;
  readonly directRps: number;
  readonly gatewayRps: number;
}

/**
 * Gateway vs the runtime called directly, on the same tiny request, one at a
 * time and interleaved (so drift hits both sides alike); then streaming TTFT;
 * then throughput at 16 concurrent.
 */
export async function measureGatewayOverhead(options: { gateway: BenchClient; direct: BenchClient; model: string; samples: number; throughputMs: number }): Promise<OverheadResult> {
  const { gateway, direct, model, samples } = options;
  const small = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, temperature: 0 });
  const stream = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0, stream: true });
  const path = '/v1/chat/completions';

  for (let i = 0; i < 50; i++) {
    await gateway.timedPost(path, small);
    await direct.timedPost(path, small);
  }
  const viaGateway: number[] = [];
  const viaDirect: number[] = [];
  const added: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Alternate who goes first so neither side always follows the other.
    const gatewayFirst = i % 2 === 0;
    const a = gatewayFirst ? await gateway.timedPost(path, small) : await direct.timedPost(path, small);
    const b = gatewayFirst ? await direct.timedPost(path, small) : await gateway.timedPost(path, small);
    const [g, d] = gatewayFirst ? [a, b] : [b, a];
    viaGateway.push(g);
    viaDirect.push(d);
    added.push(g - d);
  }

  const ttftGateway: number[] = [];
  const ttftDirect: number[] = [];
  for (let i = 0; i < Math.max(50, samples / 4); i++) {
    ttftGateway.push((await gateway.timedStream(path, stream)).ttftMs);
    ttftDirect.push((await direct.timedStream(path, stream)).ttftMs);
  }

  const rps = async (client: BenchClient) => {
    let done = 0;
    const until = performance.now() + options.throughputMs;
    const worker = async () => {
      while (performance.now() < until) {
        await client.timedPost(path, small);
        done++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    return done / ((performance.now() - started) / 1000);
  };
  const directRps = await rps(direct);
  const gatewayRps = await rps(gateway);

  return {
    samples,
    directP50: median(viaDirect),
    gatewayP50: median(viaGateway),
    // Paired differences: robust to the runtime's own variance drifting during the run.
    addedP50: median(added),
    addedP99: percentile(viaGateway, 99) - percentile(viaDirect, 99),
    directTtftP50: median(ttftDirect),
    addedTtftP50: median(ttftGateway) - median(ttftDirect),
    directRps,
    gatewayRps,
  };
}
