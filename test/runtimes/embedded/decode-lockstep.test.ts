import { describe, expect, it } from 'vitest';
import { DecodeLockstep } from '../../../main/runtimes/embedded/decode-lockstep.js';

/** Let every pending microtask (and the continuations they queue) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** arrive() as a generation does: note when its continuation runs. */
function arriveAndRecord(lockstep: DecodeLockstep<string>, slot: string, order: string[]): void {
  const released = lockstep.arrive(slot);
  if (released === undefined) order.push(slot);
  else void released.then(() => order.push(slot));
}

describe('DecodeLockstep', () => {
  it('never makes a lone member wait', () => {
    const lockstep = new DecodeLockstep(['a', 'b']);
    lockstep.join('b');
    expect(lockstep.arrive('b')).toBeUndefined();
    expect(lockstep.size).toBe(1);
  });

  it('releases everyone once all members arrived, in slot order whoever came last', async () => {
    const lockstep = new DecodeLockstep(['s0', 's1', 's2', 's3']);
    for (const slot of ['s0', 's1', 's2', 's3']) lockstep.join(slot);
    const order: string[] = [];
    arriveAndRecord(lockstep, 's2', order);
    arriveAndRecord(lockstep, 's1', order);
    arriveAndRecord(lockstep, 's3', order);
    await settle();
    expect(order).toEqual([]); // s0 has not arrived yet
    arriveAndRecord(lockstep, 's0', order);
    await settle();
    expect(order).toEqual(['s0', 's1', 's2', 's3']);

    // The next step starts empty: arriving again waits for the others again.
    arriveAndRecord(lockstep, 's3', order);
    await settle();
    expect(order).toHaveLength(4);
  });

  it('a member that leaves (finished, or waiting for a slow client) no longer holds the others', async () => {
    const lockstep = new DecodeLockstep(['a', 'b', 'c']);
    for (const slot of ['a', 'b', 'c']) lockstep.join(slot);
    const order: string[] = [];
    arriveAndRecord(lockstep, 'c', order);
    arriveAndRecord(lockstep, 'a', order);
    await settle();
    expect(order).toEqual([]);
    lockstep.leave('b');
    lockstep.leave('b'); // leaving twice is harmless
    await settle();
    expect(order).toEqual(['a', 'c']);
    expect(lockstep.size).toBe(2);
  });

  it('a member joining mid-step is waited for, so it decodes in the same batch', async () => {
    const lockstep = new DecodeLockstep([0, 1]);
    lockstep.join(1);
    lockstep.join(0);
    const released = lockstep.arrive(1);
    let done = false;
    void released?.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    expect(lockstep.arrive(0)).toBeInstanceOf(Promise);
    await settle();
    expect(done).toBe(true);
  });

  it('refuses slots it does not know and arrivals without joining', () => {
    const lockstep = new DecodeLockstep(['a']);
    expect(() => lockstep.join('z')).toThrow(/unknown slot/);
    expect(() => lockstep.arrive('a')).toThrow(/before join/);
  });
});
