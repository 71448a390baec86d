import { describe, expect, it } from 'vitest';
import { chooseFlashAttention, headSizeOf } from '../../../main/runtimes/embedded/flash-attention.js';

describe('flash attention choice', () => {
  it('reads the head size from key_length, else embedding length / head count', () => {
    expect(headSizeOf({ keyLength: 128, embeddingLength: 4096, headCount: 64 })).toBe(128);
    expect(headSizeOf({ embeddingLength: 64, headCount: 8 })).toBe(8);
    expect(headSizeOf({ embeddingLength: 768, headCount: [12, 12] })).toBeUndefined();
    expect(headSizeOf({})).toBeUndefined();
  });

  it('turns it off for tiny heads (stories260K: 64 / 8) and says why', () => {
    const decision = chooseFlashAttention({ embeddingLength: 64, headCount: 8 });
    expect(decision.flashAttention).toBe(false);
    expect(decision.reason).toMatch(/8-dim heads/);
  });

  it("leaves node-llama-cpp's default for usual heads (bench-124m: 768 / 12) and unknown shapes", () => {
    expect(chooseFlashAttention({ embeddingLength: 768, headCount: 12 }).flashAttention).toBe('auto');
    expect(chooseFlashAttention({ keyLength: 128 }).flashAttention).toBe('auto');
    expect(chooseFlashAttention({}).flashAttention).toBe('auto');
  });
});
