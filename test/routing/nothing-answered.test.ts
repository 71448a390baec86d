import { describe, expect, it } from 'vitest';
import { nothingAnswered } from '../../main/routing/nothing-answered.js';
import type { ResolvedRoute } from '../../main/routing/route-table.js';
import type { Attempt } from '../../main/requests/types.js';

const route = { name: 'chat', targets: [{ label: 'local:m', tier: 'local' }, { label: 'openai:gpt', tier: 'cloud' }] } as unknown as ResolvedRoute;
const busy: Attempt = { target: 'local:m', tier: 'local', outcome: 'skipped', reason: 'local:m busy: 4/4 slots' };
const tooSmall: Attempt = { target: 'openai:gpt', tier: 'cloud', outcome: 'skipped', reason: 'openai:gpt context too small: 9000 > 8192 tokens' };
const base = { route, forcedTier: null, inTier: 2, inTierFailures: 2, contextOnly: false } as const;

describe('nothingAnswered', () => {
  it('names every target and why in a 503 with Retry-After', () => {
    const error = nothingAnswered({ ...base, failures: [busy, tooSmall] });
    expect(error).toMatchObject({ status: 503, code: 'no_target_available', headers: { 'Retry-After': '2' } });
    expect(error.message).toBe('No target of route "chat" can answer now: local:m busy: 4/4 slots; openai:gpt context too small: 9000 > 8192 tokens.');
  });

  it('a prompt that fits nowhere is a 400 context_length_exceeded naming the largest context', () => {
    const error = nothingAnswered({ ...base, failures: [tooSmall], inTierFailures: 1, contextOnly: true, contextLimit: 8192 });
    expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    expect(error.message).toContain('(the largest context is 8192 tokens)');
  });

  it('a forced tier the route has no target of is a 400 listing the targets; an unserved endpoint keeps the runtime status', () => {
    expect(nothingAnswered({ ...base, failures: [], forcedTier: 'network', inTier: 0, inTierFailures: 0 })).toMatchObject({ status: 400, code: 'no_target_in_tier', param: 'x-homeport-tier' });
    const unserved = nothingAnswered({ ...base, failures: [busy], unserved: { status: 404, message: 'The runtime does not serve /v1/embeddings.' } });
    expect(unserved).toMatchObject({ status: 404, code: 'endpoint_not_served', message: 'The runtime does not serve /v1/embeddings.' });
  });
});
