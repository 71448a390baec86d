/**
 * Concurrent generations on the worker's context decode as one batch per
 * step: one token of each sequence, in sequence-id order (why that matters:
 * main/runtimes/embedded/decode-lockstep.ts). Runs the worker's own code
 * in-process (loadModelHost + generate) on stories260K and watches the
 * batches through node-llama-cpp's internal native context (`_ctx`, as of
 * 3.21.1). If that internal changes, this test fails and must be adapted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { generate } from '../../../main/runtimes/embedded/generate.js';
import { loadModelHost, type ModelHost } from '../../../main/runtimes/embedded/model-host.js';
import { resolveSampling } from '../../../main/runtimes/embedded/sampling.js';
import { testModel } from '../../support/models.js';

interface NativeContext {
  initBatch(size: number): unknown;
  addToBatch(sequenceId: number, firstTokenIndex: number, tokens: Uint32Array, logitIndexes: Uint32Array): unknown;
}

/** One decode batch: which sequence each item belongs to, and how many tokens it has. */
interface BatchItem {
  readonly sequenceId: number;
  readonly tokens: number;
}

/** Replace the context's native handle by a recording proxy; returns the batches seen so far. */
function recordBatches(context: LlamaContext): BatchItem[][] {
  const internals = context as unknown as { _ctx?: NativeContext };
  const native = internals._ctx;
  if (native === undefined || typeof native.initBatch !== 'function' || typeof native.addToBatch !== 'function') {
    throw new Error("node-llama-cpp's LlamaContext._ctx is not what this test expects: adapt the test to the new version");
  }
  const batches: BatchItem[][] = [];
  internals._ctx = new Proxy(native, {
    get(target, key) {
      if (key === 'initBatch') {
        return (size: number) => {
          batches.push([]);
          return target.initBatch(size);
        };
      }
      if (key === 'addToBatch') {
        return (sequenceId: number, first: number, tokens: Uint32Array, logits: Uint32Array) => {
          batches.at(-1)?.push({ sequenceId, tokens: tokens.length });
          return target.addToBatch(sequenceId, first, tokens, logits);
        };
      }
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return batches;
}

let host: ModelHost;
let batches: BatchItem[][];

beforeAll(async () => {
  host = await loadModelHost({
    worker: {
      modelPath: testModel('stories260K.gguf'),
      modelId: 'stories',
      host: '127.0.0.1',
      port: 0,
      parallel: 4,
      ctx: 256,
      threads: 1,
      queue: 0,
      batch: undefined,
    },
    log: () => undefined,
  });
  batches = recordBatches(host.context);
});

afterAll(async () => {
  await host?.dispose();
});

async function generateOn(sequence: LlamaContextSequence): Promise<string> {
  const result = await generate({
    sequence,
    promptTokens: [host.model.tokens.bos!, ...host.model.tokenize('Once upon a time')],
    sampling: resolveSampling({ temperature: 0 }),
    maxTokens: 40,
    stopStrings: [],
    stopTokens: new Set(),
    signal: new AbortController().signal,
    collectText: true,
    lockstep: host.lockstep,
  });
  expect(result.completionTokens).toBe(40);
  return result.text;
}

describe('embedded worker: batching of concurrent generations', () => {
  it('decodes one token of each of 4 generations per batch, in sequence-id order', async () => {
    const leases = await Promise.all([0, 1, 2, 3].map(() => host.slots.acquire()));
    const texts = await Promise.all(leases.map((lease) => generateOn(lease.slot)));
    for (const lease of leases) lease.release();

    expect(new Set(texts).size).toBe(1);
    const steps = batches.filter((batch) => batch.every((item) => item.tokens === 1));
    const full = steps.filter((batch) => batch.map((item) => item.sequenceId).join() === '0,1,2,3');
    // The generations join the lockstep one by one as their first token arrives, so the
    // first one may take a step alone and then finish a step ahead of the others: only
    // the first and last couple of steps may be partial.
    expect(steps.length).toBeGreaterThanOrEqual(39);
    expect(full.length).toBeGreaterThanOrEqual(steps.length - 4);
    expect(steps.slice(2, -2).every((batch) => full.includes(batch))).toBe(true);
    expect(host.lockstep.size).toBe(0);
  });
});
