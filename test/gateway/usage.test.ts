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

  it('returns undefined for bodies without usage or that are not JSON', () => {
    expect(readUsage(Buffer.from('{"choices":[]}'))).toBeUndefined();
    expect(readUsage(Buffer.from('<html>'))).toBeUndefined();
  });
});
