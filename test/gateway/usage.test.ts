import { describe, expect, it } from 'vitest';
import { readUsage } from '../../main/gateway/usage.js';

describe('readUsage', () => {
  it('reads usage from a small response', () => {
    const body = Buffer.from(JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
    expect(readUsage(body)).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });

  it('reads usage near the end of a large embeddings response without parsing all of it', () => {
    const data = Array.from({ length: 400 }, (_, index) => ({ object: 'embedding', index, embedding: Array.from({ length: 512 }, () => 0.123456) }));
    const body = Buffer.from(
      JSON.stringify({ object: 'list', data, model: 'e', usage: { prompt_tokens: 800, total_tokens: 800, details: { cached: 0 } } }),
    );
    expect(body.length).toBeGreaterThan(1024 * 1024);
    expect(readUsage(body)).toEqual({ prompt_tokens: 800, total_tokens: 800, details: { cached: 0 } });
  });

  it("takes llama-server's decode time (timings.predicted_ms) as the usage's completion_time", () => {
    const body = Buffer.from(JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 }, timings: { prompt_ms: 1.35, predicted_n: 3, predicted_ms: 0.756 } }));
    expect(readUsage(body)).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6, completion_time: 0.000756 });
    const own = Buffer.from(JSON.stringify({ usage: { completion_tokens: 3, completion_time: 0.5 }, timings: { predicted_ms: 9 } }));
    expect(readUsage(own)).toEqual({ completion_tokens: 3, completion_time: 0.5 });
  });

  it('returns undefined for bodies without usage or that are not JSON', () => {
    expect(readUsage(Buffer.from('{"choices":[]}'))).toBeUndefined();
    expect(readUsage(Buffer.from('<html>'))).toBeUndefined();
  });
});
