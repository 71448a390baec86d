import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchClient } from './http-client.js';

export interface DecodeResult {
  readonly singleTokPerSec: number;
  readonly parallelTokPerSec: number;
}

/** Decode speed through an OpenAI-compatible endpoint: one stream, then four at once (aggregate). */
export async function measureHttpDecode(client: BenchClient, model: string, tokens: number): Promise<DecodeResult> {
  const body = JSON.stringify({ model, prompt: 'Once upon a time', max_tokens: tokens, temperature: 0, stream: true });
  await client.timedStream('/v1/completions', JSON.stringify({ model, prompt: 'Hi', max_tokens: 16, stream: true }));
  const single = await client.timedStream('/v1/completions', body);
  const runs = await Promise.all([0, 1, 2, 3].map(() => client.timedStream('/v1/completions', body)));
  const firstAt = Math.min(...runs.map((r) => r.firstAt));
  const lastAt = Math.max(...runs.map((r) => r.lastAt));
  const chunks = runs.reduce((n, r) => n + r.chunks, 0);
  return {
    singleTokPerSec: (single.chunks - 1) / ((single.lastAt - single.firstAt) / 1000),
    parallelTokPerSec: chunks / ((lastAt - firstAt) / 1000),
  };
}

/** The same, with node-llama-cpp in a process of its own and no HTTP at all. */
export async function measureInProcessDecode(model: string, tokens: number): Promise<DecodeResult> {
  const script = fileURLToPath(new URL('./inprocess-decode.js', import.meta.url));
  const child = spawn(process.execPath, [script, model, String(tokens)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`in-process decode exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as DecodeResult;
}
