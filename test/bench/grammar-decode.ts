import type { BenchClient } from './http-client.js';
import { median } from './stats.js';

export interface GrammarDecodeResult {
  readonly freeTokPerSec: number;
  readonly grammarTokPerSec: number;
  /** Tokens per run (median) of each kind: a grammar run ends when its JSON closes. */
  readonly freeTokens: number;
  readonly grammarTokens: number;
}

/** A schema that lets the model write for a while: one long string field. */
const SCHEMA = { type: 'object', properties: { story: { type: 'string' } }, required: ['story'], additionalProperties: false };

/**
 * Decode speed with and without a json_schema grammar, streamed through the
 * gateway, one stream at a time, alternating: tokens after the first ÷ time
 * after the first (so prompt processing is left out).
 */
export async function measureGrammarDecode(options: { client: BenchClient; model: string; tokens: number; runs: number }): Promise<GrammarDecodeResult> {
  const { client, model, tokens } = options;
  const messages = [{ role: 'user', content: 'Write a short story about a cat as JSON.' }];
  const free = JSON.stringify({ model, messages, max_tokens: tokens, temperature: 0, stream: true });
  const grammar = JSON.stringify({ model, messages, max_tokens: tokens, temperature: 0, stream: true, response_format: { type: 'json_schema', json_schema: { name: 'story', strict: true, schema: SCHEMA } } });
  const rate = (r: { chunks: number; firstAt: number; lastAt: number }) => (r.chunks > 1 && r.lastAt > r.firstAt ? ((r.chunks - 1) * 1000) / (r.lastAt - r.firstAt) : Number.NaN);
  await client.timedStream('/v1/chat/completions', grammar);
  await client.timedStream('/v1/chat/completions', free);
  const freeRates: number[] = [];
  const grammarRates: number[] = [];
  const freeCounts: number[] = [];
  const grammarCounts: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const g = await client.timedStream('/v1/chat/completions', grammar);
    const f = await client.timedStream('/v1/chat/completions', free);
    grammarRates.push(rate(g));
    grammarCounts.push(g.chunks);
    freeRates.push(rate(f));
    freeCounts.push(f.chunks);
  }
  return { freeTokPerSec: median(freeRates), grammarTokPerSec: median(grammarRates), freeTokens: median(freeCounts), grammarTokens: median(grammarCounts) };
}
