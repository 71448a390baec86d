/**
 * The state-machine core every runtime handle configures: transitions checked
 * against the kind's table and emitted as typed events, one serial queue,
 * the ready hot path, and waiters with a deadline and abort.
 */
import { describe, expect, it } from 'vitest';
import { ATTACHED_TRANSITIONS, DAEMON_MODEL_TRANSITIONS, LifecycleCore, PROCESS_TRANSITIONS } from '../../main/runtimes/lifecycle-core.js';
import type { Clock } from '../../main/runtimes/process/health.js';
import { RUNTIME_STATES, type RuntimeEndpoint, type RuntimeEvent } from '../../main/runtimes/types.js';

/** A clock whose timers fire only when the test advances it. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Set<{ at: number; fire: () => void }>();
  return {
    now: () => now,
    setTimer(ms, callback) {
      const timer = { at: now + ms, fire: callback };
      timers.add(timer);
      return { cancel: () => timers.delete(timer) };
    },
    advance(ms) {
      now += ms;
      for (const timer of [...timers]) {
        if (timer.at <= now) {
          timers.delete(timer);
          timer.fire();
        }
      }
    },
  };
}

const ENDPOINT: RuntimeEndpoint = { baseUrl: 'http://127.0.0.1:9', hostname: '127.0.0.1', port: 9, headers: {} };

function core(transitions = PROCESS_TRANSITIONS) {
  const clock = manualClock();
  const notes: string[] = [];
  const events: RuntimeEvent[] = [];
  const c = new LifecycleCore({ id: 'r', transitions, clock, note: (line) => notes.push(line) });
  c.subscribe((event) => events.push(event));
  return { c, clock, notes, events };
}

describe('LifecycleCore', () => {
  it('has a complete table for every kind, and refuses a transition the table does not list', () => {
    for (const table of [PROCESS_TRANSITIONS, DAEMON_MODEL_TRANSITIONS, ATTACHED_TRANSITIONS]) {
      expect(Object.keys(table).sort()).toEqual([...RUNTIME_STATES].sort());
    }
    const { c, events } = core();
    expect(() => c.transition('ready', 'skip starting')).toThrow(/stopped → ready is not allowed/);
    expect(c.state).toBe('stopped');
    expect(events).toEqual([]);
    const daemon = core(DAEMON_MODEL_TRANSITIONS);
    daemon.c.becomeReady(ENDPOINT, 'adopted: loaded by another client');
    expect(daemon.c.state).toBe('ready');
  });

  it('emits each state change once, notes it, and serves the endpoint without waiting while ready', async () => {
    const { c, clock, notes, events } = core();
    c.transition('starting', 'start requested');
    const waiting = c.waitForReady({ deadlineMs: 1_000, notReady: () => new Error('late') });
    clock.advance(10);
    c.becomeReady(ENDPOINT, 'healthy');
    await expect(waiting).resolves.toBe(ENDPOINT);
    expect(await c.ready).toBe(ENDPOINT);
    expect(c.readySince).toBe(10);
    expect(events.map((e) => (e.type === 'state' ? `${e.from}>${e.to}` : e.type))).toEqual(['stopped>starting', 'starting>ready']);
    expect(notes).toEqual(['stopped → starting: start requested', 'starting → ready: healthy']);
    c.transition('stopping', 'stop');
    expect(c.ready).toBeNull();
    expect(c.readySince).toBeNull();
  });

  it('gives up a waiter at its deadline or on abort, and settles the others together', async () => {
    const { c, clock } = core();
    let started = 0;
    const late = c.waitForReady({ deadlineMs: 100, notReady: (cause) => new Error(cause), onWaiting: () => (started += 1) });
    const controller = new AbortController();
    const aborted = c.waitForReady({ deadlineMs: 10_000, signal: controller.signal, notReady: (cause) => new Error(cause) });
    const failing = c.waitForReady({ deadlineMs: 10_000, notReady: (cause) => new Error(cause) });
    expect(started).toBe(1);
    clock.advance(100);
    await expect(late).rejects.toThrow('deadline');
    controller.abort();
    await expect(aborted).rejects.toThrow('aborted');
    c.rejectWaiters(new Error('failed for good'));
    await expect(failing).rejects.toThrow('failed for good');
    await expect(c.waitForReady({ deadlineMs: 1, signal: AbortSignal.abort(), notReady: (cause) => new Error(cause) })).rejects.toThrow('aborted');
  });

  it('runs queued operations one at a time, in order, even when one fails', async () => {
    const { c, notes } = core();
    const order: string[] = [];
    const slow = c.run(async () => {
      order.push('a start');
      await new Promise((r) => setTimeout(r, 20));
      order.push('a end');
    });
    const failing = c.run(() => {
      throw new Error('boom');
    });
    const after = c.run(() => order.push('c'));
    c.post(() => {
      throw new Error('posted boom');
    });
    await slow;
    await expect(failing).rejects.toThrow('boom');
    await after;
    await c.run(() => undefined);
    expect(order).toEqual(['a start', 'a end', 'c']);
    expect(notes).toContain('internal error: posted boom');
  });

  it('reports the outcome of a start: at once when ready or failed, else when settled', async () => {
    const { c } = core();
    c.transition('starting', 'go');
    const pending = c.outcome(() => new Error('failed'));
    c.becomeReady(ENDPOINT, 'ok');
    await expect(pending.settled).resolves.toBeUndefined();
    await expect(c.outcome(() => new Error('x')).settled).resolves.toBeUndefined();
    c.transition('failed', 'gave up');
    await expect(c.outcome(() => new Error('it failed')).settled).rejects.toThrow('it failed');
  });

  it('runs a start on the queue and waits for ready outside it, so later operations are not held up', async () => {
    const { c } = core();
    const starting = c.runUntilReady(() => c.transition('starting', 'start requested'), () => new Error('failed'));
    // The queue is free while the start waits: a later operation runs (and may settle the start).
    await c.run(() => c.becomeReady(ENDPOINT, 'healthy'));
    await expect(starting).resolves.toBeUndefined();
    // Already ready: resolves without waiting for anything.
    await expect(c.runUntilReady(() => undefined, () => new Error('failed'))).resolves.toBeUndefined();
  });

  it('rejects a start with the kind\'s failure, whether it fails later or has failed already', async () => {
    const { c } = core();
    const starting = c.runUntilReady(() => c.transition('starting', 'go'), () => new Error('never used'));
    await c.run(() => {
      c.transition('failed', 'crashed');
      c.rejectWaiters(new Error('crashed for good'));
    });
    await expect(starting).rejects.toThrow('crashed for good');
    await expect(c.runUntilReady(() => undefined, () => new Error('it is failed'))).rejects.toThrow('it is failed');
    // An operation that throws rejects the start with its error.
    await expect(c.runUntilReady(() => c.transition('ready', 'skip'), () => new Error('x'))).rejects.toThrow(/failed → ready is not allowed/);
  });

  it('keeps notifying the other listeners when one throws', () => {
    const { c, notes, events } = core();
    c.subscribe(() => {
      throw new Error('bad listener');
    });
    c.transition('starting', 'go');
    expect(events).toHaveLength(1);
    expect(notes).toContain('event listener threw: bad listener');
  });
});
