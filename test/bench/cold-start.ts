import { performance } from 'node:perf_hooks';
import type { BenchClient } from './http-client.js';
import { median } from './stats.js';

/**
 * Cold start to first token: stop the model's runtime through the control
 * API, then time one streaming request from send to its first token. The
 * request itself starts the runtime (on-demand path). Returns the samples' median.
 */
export async function measureColdStart(options: { origin: string; controlToken: string; runtimeId: string; model: string; client: BenchClient; runs: number }): Promise<{ medianMs: number; samples: number[] }> {
  const body = JSON.stringify({ model: options.model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, stream: true });
  const samples: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const stopped = await fetch(`${options.origin}/homeport/v1/runtimes/${encodeURIComponent(options.runtimeId)}/stop`, { method: 'POST', headers: { authorization: `Bearer ${options.controlToken}` } });
    if (!stopped.ok) throw new Error(`stopping ${options.runtimeId} answered ${stopped.status}`);
    const started = performance.now();
    const result = await options.client.timedStream('/v1/chat/completions', body);
    samples.push(result.firstAt - started);
  }
  return { medianMs: median(samples), samples };
}
