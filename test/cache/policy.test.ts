import { describe, expect, it } from 'vitest';
import { cachePolicy, parseCacheControl } from '../../main/cache/policy.js';
import { chatRequest } from './fixtures.js';

const on = { enabled: true, allowSampling: false };

describe('cache policy', () => {
  it('reads and writes a temperature-0 request', () => {
    expect(cachePolicy({ request: chatRequest(), headers: {}, routeSettings: on })).toMatchObject({ read: true, write: true, mode: 'use' });
  });

  it('a fixed seed makes a sampled request repeatable', () => {
    expect(cachePolicy({ request: chatRequest({ temperature: 0.8, seed: 3 }), headers: {}, routeSettings: on })).toMatchObject({ read: true, write: true });
  });

  it('sampling without a seed is not cached unless the route allows it', () => {
    for (const body of [{ temperature: 0.7 }, { temperature: undefined }]) {
      const refused = cachePolicy({ request: chatRequest(body), headers: {}, routeSettings: on });
      expect(refused).toMatchObject({ read: false, write: false, mode: 'off' });
      expect(refused.reason).toMatch(/temperature/);
      expect(cachePolicy({ request: chatRequest(body), headers: {}, routeSettings: { enabled: true, allowSampling: true } })).toMatchObject({ read: true, write: true });
    }
  });

  it('a disabled route neither reads nor writes', () => {
    const decision = cachePolicy({ request: chatRequest(), headers: {}, routeSettings: { enabled: false, allowSampling: true } });
    expect(decision).toMatchObject({ read: false, write: false, mode: 'off' });
    expect(decision.reason).toContain('chat');
  });

  it('no-cache skips the read, no-store the write, both skip both', () => {
    const policy = (cacheControl: string) => cachePolicy({ request: chatRequest(), headers: { cacheControl }, routeSettings: on });
    expect(policy('no-cache')).toMatchObject({ read: false, write: true, mode: 'bypass' });
    expect(policy('No-Store')).toMatchObject({ read: true, write: false });
    expect(policy('no-store, no-cache')).toMatchObject({ read: false, write: false, mode: 'bypass' });
    expect(policy('max-age=60')).toMatchObject({ read: true, write: true });
  });

  it('parses directives case-insensitively, with arguments and spaces', () => {
    expect(parseCacheControl(' NO-CACHE="x" ,private')).toEqual({ noCache: true, noStore: false });
    expect(parseCacheControl(undefined)).toEqual({ noCache: false, noStore: false });
  });
});
