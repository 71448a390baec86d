/**
 * Baseline: node-llama-cpp called in-process, no HTTP, on the best path it
 * offers, which is the one the embedded worker uses: sequence.evaluate() on
 * the sequences of one context, configured as the worker configures it
 * (context size, flash-attention choice), with concurrent sequences kept in
 * step so each decode batch carries one token of each, in sequence-id order
 * (main/runtimes/embedded/decode-lockstep.ts explains why that matters).
 * Run as its own process so it never shares CPU with the engine; prints one
 * JSON line.
 *   node dist/test/bench/inprocess-decode.js MODEL TOKENS
 */
import { performance } from 'node:perf_hooks';
import { getLlama, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';
import { DecodeLockstep } from '../../main/runtimes/embedded/decode-lockstep.js';
import { attentionShapeOf, chooseFlashAttention } from '../../main/runtimes/embedded/flash-attention.js';

/** The same per-sequence context size as the benchmark's worker (--ctx 2048). */
const CONTEXT_SIZE = 2048;

interface DecodeRun {
  readonly count: number;
  readonly firstAt: number;
  readonly lastAt: number;
}

async function decode(options: {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  lockstep: DecodeLockstep<LlamaContextSequence>;
  tokens: number;
}): Promise<DecodeRun> {
  const { model, sequence, lockstep, tokens } = options;
  const prompt = [model.tokens.bos!, ...model.tokenize('Once upon a time')];
  let count = 0;
  let firstAt = 0;
  let lastAt = 0;
  try {
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      void token;
      lastAt = performance.now();
      if (!firstAt) {
        firstAt = lastAt;
        lockstep.join(sequence);
      }
      if (++count >= tokens) break;
      const released = lockstep.arrive(sequence);
      if (released !== undefined) await released;
    }
  } finally {
    lockstep.leave(sequence);
  }
  await sequence.clearHistory();
  return { count, firstAt, lastAt };
}

const [modelPath, tokensArg] = process.argv.slice(2);
if (!modelPath) throw new Error('usage: inprocess-decode MODEL [TOKENS]');
const tokens = Number(tokensArg ?? 128);
const llama = await getLlama({ gpu: false, maxThreads: 1, logLevel: 'error' as never });
const model = await llama.loadModel({ modelPath });
const { flashAttention } = chooseFlashAttention(attentionShapeOf(model));
const context = await model.createContext({ sequences: 4, contextSize: CONTEXT_SIZE, threads: 1, flashAttention });
const sequences = [0, 1, 2, 3].map(() => context.getSequence());
const lockstep = new DecodeLockstep(sequences);

await decode({ model, sequence: sequences[0]!, lockstep, tokens: 16 }); // warm-up
const single = await decode({ model, sequence: sequences[0]!, lockstep, tokens });
const parallel = await Promise.all(sequences.map((sequence) => decode({ model, sequence, lockstep, tokens })));
// Same window as the HTTP measurement: first token of any stream to the last token of all.
const started = Math.min(...parallel.map((p) => p.firstAt));
const ended = Math.max(...parallel.map((p) => p.lastAt));
const total = parallel.reduce((n, p) => n + p.count, 0);

process.stdout.write(
  `${JSON.stringify({
    singleTokPerSec: (single.count - 1) / ((single.lastAt - single.firstAt) / 1000),
    parallelTokPerSec: total / ((ended - started) / 1000),
  })}\n`,
);
await context.dispose();
await model.dispose();
await llama.dispose();
