/**
 * Decode speed of the embedded worker over HTTP vs node-llama-cpp in-process.
 * Not a test: run it by hand (or from the benchmark) on an idle machine.
 *
 *   node --import tsx test/runtimes/embedded/measure.ts [model.gguf] [--tokens 256] [--threads 1] [--runs 5]
 *
 * Both sides do the same work: greedy decoding of the same prompt, 1 stream,
 * then 4 concurrent streams on a context with 4 sequences. Over HTTP each
 * stream is a streamed /v1/completions request (text deltas, usage chunk);
 * in-process it is a LlamaContextSequence.evaluate() loop configured as the
 * worker configures it (flash-attention choice, sequences kept in step by
 * DecodeLockstep: node-llama-cpp's best path). tok/s =
 * generated tokens / wall time from request start to last token, best of runs.
 * The two sides never run at the same time. CPU ms/token (all threads of
 * the serving process, from /proc on Linux) is steadier than tok/s on a busy
 * machine: the difference between the two sides is the HTTP/JSON overhead.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import { embeddedLaunchPlan } from '../../../main/runtimes/embedded/launch-plan.js';
import { DecodeLockstep } from '../../../main/runtimes/embedded/decode-lockstep.js';
import { attentionShapeOf, chooseFlashAttention } from '../../../main/runtimes/embedded/flash-attention.js';
import { join } from 'node:path';
import { MODELS_DIR } from '../../support/models.js';

const PROMPT = 'Once upon a time';
/** USER_HZ, 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;
const PARALLEL = 4;

interface Figures {
  readonly single: number;
  readonly parallel: number;
  readonly tokensPerStream: number;
  /** CPU time (all threads of the serving process) per generated token, over all measured runs. */
  readonly cpuMsPerToken: number;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { tokens: { type: 'string', default: '256' }, threads: { type: 'string', default: '1' }, runs: { type: 'string', default: '5' } },
  });
  const modelPath = positionals[0] ?? join(MODELS_DIR, 'stories260K.gguf');
  const tokens = Number(values.tokens);
  const threads = Number(values.threads);
  const runs = Number(values.runs);

  const http = await measureWorker({ modelPath, tokens, threads, runs });
  const direct = await measureInProcess({ modelPath, tokens, threads, runs });

  const row = (name: string, f: Figures): string =>
    `${name.padEnd(26)} 1 stream ${f.single.toFixed(0).padStart(6)} tok/s   ${PARALLEL} streams ${f.parallel.toFixed(0).padStart(6)} tok/s aggregate   ` +
    `CPU ${f.cpuMsPerToken.toFixed(3)} ms/token   (${f.tokensPerStream} tokens/stream)`;
  console.log(`model ${modelPath}, threads ${threads}, greedy, prompt ${JSON.stringify(PROMPT)}, best of ${runs}`);
  console.log(row('worker over HTTP', http));
  console.log(row('node-llama-cpp in-process', direct));
  console.log(
    `HTTP / in-process: 1 stream ${((http.single / direct.single) * 100).toFixed(0)}%, ` +
      `${PARALLEL} streams ${((http.parallel / direct.parallel) * 100).toFixed(0)}%`,
  );
}

async function measureWorker(options: { modelPath: string; tokens: number; threads: number; runs: number }): Promise<Figures> {
  const port = await freePort();
  const plan = embeddedLaunchPlan({ modelPath: options.modelPath, port, parallel: PARALLEL, threads: options.threads });
  const child = spawn(plan.command, [...plan.args], { env: { ...process.env, ...plan.env }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitHealthy(`${plan.baseUrl}${plan.healthPath}`, plan.headers ?? {});
    const stream = (): Promise<number> =>
      streamCompletion(port, plan.headers ?? {}, { prompt: PROMPT, max_tokens: options.tokens, temperature: 0, stream: true, stream_options: { include_usage: true } });
    await stream(); // warm-up
    let single = 0;
    let parallel = 0;
    let tokensPerStream = 0;
    let tokens = 0;
    const cpuBefore = processCpuMs(child.pid!);
    for (let run = 0; run < options.runs; run++) {
      let started = performance.now();
      tokensPerStream = await stream();
      single = Math.max(single, (tokensPerStream / (performance.now() - started)) * 1000);
      started = performance.now();
      const counts = await Promise.all(Array.from({ length: PARALLEL }, stream));
      parallel = Math.max(parallel, (sum(counts) / (performance.now() - started)) * 1000);
      tokens += tokensPerStream + sum(counts);
    }
    const cpuMsPerToken = (processCpuMs(child.pid!) - cpuBefore) / tokens;
    return { single, parallel, tokensPerStream, cpuMsPerToken };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function measureInProcess(options: { modelPath: string; tokens: number; threads: number; runs: number }): Promise<Figures> {
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: options.threads, logLevel: LlamaLogLevel.error });
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    const context = await model.createContext({
      sequences: PARALLEL,
      contextSize: Math.min(2048, model.trainContextSize),
      threads: options.threads,
      flashAttention: chooseFlashAttention(attentionShapeOf(model)).flashAttention,
    });
    const sequences = Array.from({ length: PARALLEL }, () => context.getSequence());
    const lockstep = new DecodeLockstep(sequences);
    const prompt = [...(model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(PROMPT)];
    const run = async (index: number): Promise<number> => {
      const sequence = sequences[index]!;
      await sequence.clearHistory();
      let count = 0;
      try {
        for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0 })) {
          void token;
          if (++count >= options.tokens) break;
          if (count === 1) lockstep.join(sequence);
          const released = lockstep.arrive(sequence);
          if (released !== undefined) await released;
        }
      } finally {
        lockstep.leave(sequence);
      }
      return count;
    };
    await run(0); // warm-up
    let single = 0;
    let parallel = 0;
    let tokensPerStream = 0;
    let tokens = 0;
    const cpuBefore = processCpuMs(process.pid);
    for (let r = 0; r < options.runs; r++) {
      let started = performance.now();
      tokensPerStream = await run(0);
      single = Math.max(single, (tokensPerStream / (performance.now() - started)) * 1000);
      started = performance.now();
      const counts = await Promise.all(sequences.map((_, index) => run(index)));
      parallel = Math.max(parallel, (sum(counts) / (performance.now() - started)) * 1000);
      tokens += tokensPerStream + sum(counts);
    }
    const cpuMsPerToken = (processCpuMs(process.pid) - cpuBefore) / tokens;
    return { single, parallel, tokensPerStream, cpuMsPerToken };
  } finally {
    await llama.dispose();
  }
}

/** POST a streamed completion; resolves with completion_tokens from the usage chunk. */
function streamCompletion(port: number, headers: Readonly<Record<string, string>>, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/completions', headers: { ...headers, 'Content-Type': 'application/json' } }, (res) => {
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-4096); // only the end matters: the usage chunk
      });
      res.on('end', () => {
        const match = /"completion_tokens":(\d+)/.exec(tail);
        if (res.statusCode !== 200 || match === null) reject(new Error(`bad response ${res.statusCode}: ${tail.slice(-300)}`));
        else resolve(Number(match[1]));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function waitHealthy(url: string, headers: Readonly<Record<string, string>>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { headers }).then((res) => res.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not become healthy`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** User + system CPU time of a process (all its threads) in ms, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

await main();
