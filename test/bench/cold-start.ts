import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient } from './http-client.js';
import { median } from './stats.js';

export interface ColdStartTarget {
  readonly origin: string;
  readonly controlToken: string;
  readonly runtimeId: string;
  readonly model: string;
  readonly client: BenchClient;
}

/**
 * One cold start: stop the model's runtime through the control API, pause
 * `pauseMs` (a model is not reloaded the instant it was unloaded; meanwhile the
 * spare worker, when on, finishes preparing), then time one streaming request
 * from send to its first token. The request itself starts the runtime
 * (on-demand path).
 */
async function coldStartOnce(target: ColdStartTarget, pauseMs: number): Promise<number> {
  const body = JSON.stringify({ model: target.model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, stream: true });
  const stopped = await fetch(`${target.origin}/homeport/v1/runtimes/${encodeURIComponent(target.runtimeId)}/stop`, { method: 'POST', headers: { authorization: `Bearer ${target.controlToken}` } });
  if (!stopped.ok) throw new Error(`stopping ${target.runtimeId} answered ${stopped.status}`);
  if (pauseMs > 0) await sleep(pauseMs);
  const started = performance.now();
  const result = await target.client.timedStream('/v1/chat/completions', body);
  return result.firstAt - started;
}

/** Cold start to first token, `runs` times; returns the samples' median. */
export async function measureColdStart(options: ColdStartTarget & { runs: number; pauseMs?: number }): Promise<{ medianMs: number; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < options.runs; i++) samples.push(await coldStartOnce(options, options.pauseMs ?? 0));
  return { medianMs: median(samples), samples };
}

/**
 * The same cold start on two engines, one with the spare worker and one
 * without (lifecycle.spareWorker: false), interleaved (the order alternates
 * each round) so that both see the same machine.
 */
export async function measureSpareVsCold(options: { spare: ColdStartTarget; cold: ColdStartTarget; runs: number; pauseMs: number }): Promise<{ spareMedianMs: number; coldMedianMs: number; spare: number[]; cold: number[] }> {
  const spare: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const order = i % 2 === 0 ? (['spare', 'cold'] as const) : (['cold', 'spare'] as const);
    for (const which of order) {
      const ms = await coldStartOnce(options[which], options.pauseMs);
      (which === 'spare' ? spare : cold).push(ms);
    }
  }
  return { spareMedianMs: median(spare), coldMedianMs: median(cold), spare, cold };
}
