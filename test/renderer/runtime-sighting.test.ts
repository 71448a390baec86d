import { describe, expect, it } from 'vitest';
import { describeSighting } from '../../renderer/features/runtimes/runtime-look.js';

const relative = (at: number, now: number) => `${Math.round((now - at) / 60_000)} min ago`;
const clock = (at: number) => new Date(at).toISOString().slice(11, 19);
const now = Date.parse('2026-12-05T14:10:00Z');

describe('when a runtime was seen', () => {
  it('says how long ago a running server was detected', () => {
    expect(describeSighting({ detectedAt: '2026-12-05T14:08:00Z', goneSince: null, now, relative, clock })).toMatchObject({ text: 'detected 2 min ago', tone: 'ok' });
  });

  it('says since when a server that answered is gone, and when it had been found', () => {
    const sighting = describeSighting({ detectedAt: '2026-12-05T13:00:00Z', goneSince: '2026-12-05T14:03:22Z', now, relative, clock });
    expect(sighting).toMatchObject({ text: 'gone since 14:03:22', tone: 'gone' });
    expect(sighting.detail).toContain('stopped answering 7 min ago');
    expect(sighting.detail).toContain('found 70 min ago');
  });

  it('says so when no server ever answered', () => {
    expect(describeSighting({ detectedAt: null, goneSince: null, now, relative, clock })).toMatchObject({ text: 'not seen running', tone: 'never' });
  });
});
