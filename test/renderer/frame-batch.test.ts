import { describe, expect, it } from 'vitest';
import { RingSeries } from '../../renderer/components/ring-buffer.js';
import { createFrameBatch, createLatestByKey, pacedFrames, type PaceClock } from '../../renderer/lib/frame-batch.js';
import { refCounted } from '../../renderer/lib/ref-count.js';
import { listData } from '../../renderer/lib/list-data.js';
import { manualFrames } from './playground-fakes.js';

describe('frame batching', () => {
  it('applies everything pushed before a frame in one call, and nothing before the frame', () => {
    const frames = manualFrames();
    const applied: number[][] = [];
    const batch = createFrameBatch<number>({ scheduler: frames, apply: (items) => applied.push([...items]) });
    for (let i = 0; i < 100; i += 1) batch.push(i);
    expect(applied).toEqual([]);
    expect(frames.pending).toBe(1);
    frames.run();
    expect(applied).toHaveLength(1);
    expect(applied[0]).toHaveLength(100);
    batch.push(100);
    frames.run();
    expect(applied[1]).toEqual([100]);
  });

  it('flush applies at once and cancel drops what is queued', () => {
    const frames = manualFrames();
    const applied: number[][] = [];
    const batch = createFrameBatch<number>({ scheduler: frames, apply: (items) => applied.push([...items]) });
    batch.push(1);
    batch.flush();
    expect(applied).toEqual([[1]]);
    expect(frames.pending).toBe(0);
    batch.push(2);
    batch.cancel();
    frames.run();
    expect(applied).toEqual([[1]]);
  });

  it('keeps only the newest item per key', () => {
    const frames = manualFrames();
    let latest: ReadonlyMap<string, { id: string; n: number }> = new Map();
    const batch = createLatestByKey<{ id: string; n: number }>({ scheduler: frames, key: (i) => i.id, apply: (m) => (latest = m) });
    for (let n = 0; n < 50; n += 1) batch.push({ id: n % 2 ? 'a' : 'b', n });
    frames.run();
    expect([...latest.values()]).toEqual([
      { id: 'b', n: 48 },
      { id: 'a', n: 49 },
    ]);
  });
});

/** A clock the test moves by hand, with timers that fire when it passes them. */
function manualClock(): PaceClock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; run: () => void }[] = [];
  return {
    now: () => now,
    delay(run, ms) {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return timer;
    },
    cancelDelay(handle) {
      timers = timers.filter((t) => t !== handle);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.run();
    },
  };
}

describe('paced frames', () => {
  it('applies at most once per interval, always on a frame, and loses nothing', () => {
    const frames = manualFrames();
    const clock = manualClock();
    const applied: number[][] = [];
    const batch = createFrameBatch<number>({ scheduler: pacedFrames(100, frames, clock), apply: (items) => applied.push([...items]) });
    batch.push(1);
    expect(frames.pending).toBe(1); // nothing applied yet: the first apply waits only for a frame
    frames.run();
    expect(applied).toEqual([[1]]);
    clock.advance(16);
    batch.push(2);
    batch.push(3);
    expect(frames.pending).toBe(0); // too soon: waits for the rest of the interval
    frames.run();
    expect(applied).toHaveLength(1);
    clock.advance(83);
    expect(frames.pending).toBe(0);
    clock.advance(1);
    expect(frames.pending).toBe(1); // the interval is over: the next frame applies
    batch.push(4);
    frames.run();
    expect(applied).toEqual([[1], [2, 3, 4]]);
  });

  it('cancel drops a waiting apply, and flush applies at once', () => {
    const frames = manualFrames();
    const clock = manualClock();
    const applied: number[][] = [];
    const batch = createFrameBatch<number>({ scheduler: pacedFrames(100, frames, clock), apply: (items) => applied.push([...items]) });
    batch.push(1);
    frames.run();
    batch.push(2);
    batch.cancel();
    clock.advance(200);
    frames.run();
    expect(applied).toEqual([[1]]);
    batch.push(3);
    batch.flush();
    expect(applied).toEqual([[1], [3]]);
    clock.advance(200);
    frames.run();
    expect(applied).toEqual([[1], [3]]);
  });
});

describe('RingSeries', () => {
  it('keeps the newest points in order and overwrites the oldest past capacity', () => {
    const ring = new RingSeries(3, 2);
    ring.push(1, [10, null]);
    ring.push(2, [20, 2]);
    expect(ring.aligned()).toEqual([
      [1, 2],
      [10, 20],
      [null, 2],
    ]);
    ring.push(3, [30, 3]);
    ring.push(4, [40, 4]);
    expect(ring.length).toBe(3);
    expect(ring.aligned()).toEqual([
      [2, 3, 4],
      [20, 30, 40],
      [2, 3, 4],
    ]);
    expect(ring.latest()).toEqual({ x: 4, ys: [40, 4] });
    const before = ring.version;
    ring.push(5, [50, 5]);
    expect(ring.version).toBe(before + 1);
  });
});

describe('refCounted', () => {
  it('starts on the first holder and stops after the last release, once', () => {
    let starts = 0;
    let stops = 0;
    const feed = refCounted(() => {
      starts += 1;
      return () => (stops += 1);
    });
    const a = feed.acquire();
    const b = feed.acquire();
    expect(starts).toBe(1);
    a();
    a();
    expect(stops).toBe(0);
    b();
    expect(stops).toBe(1);
    feed.acquire();
    expect(starts).toBe(2);
  });
});

describe('listData', () => {
  it('reads {data}, {records} and bare arrays alike', () => {
    expect(listData({ object: 'list', data: [1, 2] })).toEqual([1, 2]);
    expect(listData({ records: [3] } as never)).toEqual([3]);
    expect(listData([4] as never)).toEqual([4]);
    expect(listData({ object: 'list' } as never)).toEqual([]);
  });
});
