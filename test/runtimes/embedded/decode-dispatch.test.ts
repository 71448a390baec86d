import { describe, expect, it } from 'vitest';
import { DecodeDispatch, type DispatchTimers } from '../../../main/runtimes/embedded/decode-dispatch.js';

/** Timers the test fires by hand, recording what happens in which order. */
function manualTimers() {
  const immediates: (() => void)[] = [];
  const timeouts = new Map<number, { callback: () => void; ms: number }>();
  let nextId = 1;
  const timers: DispatchTimers = {
    setImmediate: (callback) => void immediates.push(callback),
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timeouts.set(id, { callback, ms });
      return id;
    },
    clearTimeout: (handle) => void timeouts.delete(handle as number),
  };
  return {
    timers,
    timeouts,
    runImmediates: () => immediates.splice(0).forEach((callback) => callback()),
    fireTimeouts: () => [...timeouts.entries()].forEach(([id, { callback }]) => (timeouts.delete(id), callback())),
  };
}

describe('DecodeDispatch', () => {
  it('dispatches in the next check, as node-llama-cpp does, and runs the waiting tasks one check later', () => {
    const clock = manualTimers();
    const dispatch = new DecodeDispatch({ timers: clock.timers });
    const events: string[] = [];
    dispatch.afterNextDispatch(() => events.push('write A'));
    dispatch.afterNextDispatch(() => events.push('write B'));
    dispatch.schedule(() => events.push('dispatch'));
    expect(events).toEqual([]);
    clock.runImmediates();
    expect(events).toEqual(['dispatch']); // node-llama-cpp reaches the native decode only after some promise hops
    clock.runImmediates();
    expect(events).toEqual(['dispatch', 'write A', 'write B']);
    expect(clock.timeouts.size).toBe(0); // the fallback was disarmed
  });

  it('runs a task after fallbackMs when no dispatch comes (a long prompt holding the context)', () => {
    const clock = manualTimers();
    const dispatch = new DecodeDispatch({ timers: clock.timers, fallbackMs: 3 });
    const events: string[] = [];
    dispatch.afterNextDispatch(() => events.push('write'));
    dispatch.afterNextDispatch(() => events.push('write 2'));
    expect([...clock.timeouts.values()].map((timeout) => timeout.ms)).toEqual([3]); // one timer for all tasks
    clock.fireTimeouts();
    expect(events).toEqual(['write', 'write 2']);

    // Later dispatches do not run them again.
    dispatch.schedule(() => events.push('dispatch'));
    clock.runImmediates();
    expect(events).toEqual(['write', 'write 2', 'dispatch']);
  });

  it('keeps running the other tasks when one throws, and reports the error', () => {
    const clock = manualTimers();
    const errors: unknown[] = [];
    const dispatch = new DecodeDispatch({ timers: clock.timers, onTaskError: (error) => errors.push(error) });
    const events: string[] = [];
    dispatch.afterNextDispatch(() => {
      throw new Error('socket gone');
    });
    dispatch.afterNextDispatch(() => events.push('next stream'));
    dispatch.schedule(() => undefined);
    clock.runImmediates();
    clock.runImmediates();
    expect(events).toEqual(['next stream']);
    expect(errors).toEqual([new Error('socket gone')]);
  });
});
