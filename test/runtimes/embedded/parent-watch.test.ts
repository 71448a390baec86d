import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { watchParent, type ProcessLike } from '../../../main/runtimes/embedded/parent-watch.js';

class FakeProcess extends EventEmitter implements ProcessLike {
  ppid = 100;
  send?: () => void;
}

describe('watchParent', () => {
  it('fires once when the IPC channel disconnects', () => {
    const proc = new FakeProcess();
    proc.send = () => undefined;
    const onParentGone = vi.fn();
    watchParent({ onParentGone, processLike: proc, pollMs: 10_000 });
    proc.emit('disconnect');
    proc.emit('disconnect');
    expect(onParentGone).toHaveBeenCalledTimes(1);
    expect(onParentGone.mock.calls[0]![0]).toMatch(/IPC/);
  });

  it('fires when the parent pid changes (re-parented)', () => {
    vi.useFakeTimers();
    try {
      const proc = new FakeProcess();
      const onParentGone = vi.fn();
      watchParent({ onParentGone, processLike: proc, pollMs: 500 });
      vi.advanceTimersByTime(1_000);
      expect(onParentGone).not.toHaveBeenCalled();
      proc.ppid = 1;
      vi.advanceTimersByTime(500);
      expect(onParentGone).toHaveBeenCalledTimes(1);
      expect(onParentGone.mock.calls[0]![0]).toMatch(/100/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops watching when asked', () => {
    const proc = new FakeProcess();
    proc.send = () => undefined;
    const onParentGone = vi.fn();
    const stop = watchParent({ onParentGone, processLike: proc });
    stop();
    proc.emit('disconnect');
    expect(onParentGone).not.toHaveBeenCalled();
  });
});
