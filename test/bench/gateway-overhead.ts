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
  /** The same figures for the reference hop, when one was given. */
  readonly reference?: { readonly addedP50: number; readonly addedP99: number; readonly addedTtftP50: number };
}

/** Runs the callers in a rotating order, so none always goes first or follows another. */
async function rotate<T>(round: number, callers: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
  const results = new Array<T>(callers.length);
  for (let k = 0; k < callers.length; k++) {
    const at = (round + k) % callers.length;
    results[at] = await callers[at]!();
  }
  return results;
}

/**
 * Gateway vs the runtime called directly, on the same tiny request, one at a
 * time and interleaved (so drift hits every side alike); then streaming TTFT;
 * then throughput at 16 concurrent. A `reference` hop (a bare pass-through
 * proxy in front of the same runtime) is interleaved in the same rounds, so
 * the gateway and the bare cost of an extra process hop are measured under
 * the same conditions.
 */
export async function measureGatewayOverhead(options: {
  gateway: BenchClient;
  direct: BenchClient;
  reference?: BenchClient;
  model: string;
  samples: number;
  throughputMs: number;
}): Promise<OverheadResult> {
  const { gateway, direct, reference, model, samples } = options;
  const small = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, temperature: 0 });
  const stream = JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0, stream: true });
  const path = '/v1/chat/completions';
  const clients = reference ? [gateway, direct, reference] : [gateway, direct];

  for (let i = 0; i < 50; i++) for (const client of clients) await client.timedPost(path, small);

  const post = clients.map((client) => () => client.timedPost(path, small));
  const times = clients.map((): number[] => []);
  const added = clients.map((): number[] => []);
  for (let i = 0; i < samples; i++) {
    const round = await rotate(i, post);
    round.forEach((ms, k) => {
      times[k]!.push(ms);
      // Paired differences: robust to the runtime's own variance drifting during the run.
      added[k]!.push(ms - round[1]!);
    });
  }

  const ttftCalls = clients.map((client) => async () => (await client.timedStream(path, stream)).ttftMs);
  const ttft = clients.map((): number[] => []);
  for (let i = 0; i < Math.max(50, samples / 4); i++) (await rotate(i, ttftCalls)).forEach((ms, k) => ttft[k]!.push(ms));

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

  const summary = (k: number) => ({
    addedP50: median(added[k]!),
    addedP99: percentile(times[k]!, 99) - percentile(times[1]!, 99),
    addedTtftP50: median(ttft[k]!) - median(ttft[1]!),
  });
  const viaGateway = summary(0);
  return {
    samples,
    directP50: median(times[1]!),
    gatewayP50: median(times[0]!),
    addedP50: viaGateway.addedP50,
    addedP99: viaGateway.addedP99,
    directTtftP50: median(ttft[1]!),
    addedTtftP50: viaGateway.addedTtftP50,
    directRps,
    gatewayRps,
    reference: reference ? summary(2) : undefined,
  };
}
