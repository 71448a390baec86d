import { describe, expect, it } from 'vitest';
import { PoolClosedError, QueueFullError, SlotPool } from '../../../main/runtimes/embedded/slot-pool.js';

describe('SlotPool', () => {
  it('hands out free slots, then queues FIFO up to the limit, then refuses', async () => {
    const pool = new SlotPool({ slots: ['a', 'b'], maxQueue: 2 });
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect([first.slot, second.slot]).toEqual(['a', 'b']);

    const order: string[] = [];
    const third = pool.acquire().then((lease) => (order.push('third'), lease));
    const fourth = pool.acquire().then((lease) => (order.push('fourth'), lease));
    await expect(pool.acquire()).rejects.toBeInstanceOf(QueueFullError);
    expect(pool.stats()).toEqual({ total: 2, busy: 2, queued: 2 });

    second.release();
    second.release(); // a second release is ignored
    const thirdLease = await third;
    expect(thirdLease.slot).toBe('b');
    first.release();
    expect((await fourth).slot).toBe('a');
    expect(order).toEqual(['third', 'fourth']);
    expect(pool.stats()).toEqual({ total: 2, busy: 2, queued: 0 });
  });

  it('lets the chooser pick among free slots', async () => {
    const pool = new SlotPool({ slots: [1, 2, 3], maxQueue: 0 });
    const lease = await pool.acquire({ choose: (free) => free[free.length - 1]! });
    expect(lease.slot).toBe(3);
    expect(pool.stats().busy).toBe(1);
  });

  it('removes a waiter whose signal aborts, so it never takes a slot', async () => {
    const pool = new SlotPool({ slots: ['only'], maxQueue: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    expect(pool.stats().queued).toBe(1);
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(pool.stats()).toEqual({ total: 1, busy: 1, queued: 0 });
    held.release();
    expect(pool.stats()).toEqual({ total: 1, busy: 0, queued: 0 });
  });

  it('close() rejects waiters and new requests', async () => {
    const pool = new SlotPool({ slots: ['only'], maxQueue: 4 });
    await pool.acquire();
    const waiting = pool.acquire();
    pool.close();
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });
});
