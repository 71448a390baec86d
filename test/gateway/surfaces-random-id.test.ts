import { describe, expect, it } from 'vitest';
import { randomId } from '../../main/gateway/surfaces/random-id.js';

describe('surface ids', () => {
  it('are the prefix and 32 hex characters, all different across several pool refills', () => {
    const ids = Array.from({ length: 1000 }, () => randomId('resp'));
    for (const id of ids) expect(id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Not a counter: consecutive ids share no long prefix.
    expect(ids[0]!.slice(5, 13)).not.toBe(ids[1]!.slice(5, 13));
  });
});
