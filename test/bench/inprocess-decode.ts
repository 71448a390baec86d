/**
 * Baseline: node-llama-cpp called in-process, no HTTP, the same decoding path
 * the embedded worker uses (sequence.evaluate). Run as its own process so it
 * never shares CPU with the engine; prints one JSON line.
 *   node dist/test/bench/inprocess-decode.js MODEL TOKENS
 */
import { performance } from 'node:perf_hooks';
import { getLlama, type LlamaContextSequence, type LlamaModel } from 'node-llama-cpp';

async function decode(model: LlamaModel, sequence: LlamaContextSequence, tokens: number): Promise<{ count: number; firstAt: number; lastAt: number }> {
  const prompt = [model.tokens.bos!, ...model.tokenize('Once upon a time')];
  let count = 0;
  let firstAt = 0;
  let lastAt = 0;
  for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
    void token;
    lastAt = performance.now();
    if (!firstAt) firstAt = lastAt;
    if (++count >= tokens) break;
  }
  await sequence.clearHistory();
  return { count, firstAt, lastAt };
}

const [modelPath, tokensArg] = process.argv.slice(2);
if (!modelPath) throw new Error('usage: inprocess-decode MODEL [TOKENS]');
const tokens = Number(tokensArg ?? 128);
const llama = await getLlama({ gpu: false, maxThreads: 1, logLevel: 'error' as never });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ sequences: 4, contextSize: 4 * 1024, threads: 1 });
const sequences = [0, 1, 2, 3].map(() => context.getSequence());

await decode(model, sequences[0]!, 16); // warm-up
const single = await decode(model, sequences[0]!, tokens);
const parallel = await Promise.all(sequences.map((s) => decode(model, s, tokens)));
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
