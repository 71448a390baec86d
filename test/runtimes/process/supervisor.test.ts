/**
 * Supervisor behaviour against real fake-runtime processes
 * (test/fixtures/fake-runtime.ts). State sequences are asserted exactly,
 * from the recorded `state` events.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitUntil } from '../../support/processes.js';
import { allocatePort } from '../../../main/runtimes/process/ports.js';
import { killAllChildrenSync } from '../../../main/runtimes/process/spawn.js';
import { Supervisor } from '../../../main/runtimes/process/supervisor.js';
import type { SupervisorOptions } from '../../../main/runtimes/process/supervisor.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../../../main/runtimes/types.js';
import type { LaunchPlan, RuntimeEvent } from '../../../main/runtimes/types.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FAKE_RUNTIME = path.join(ROOT, 'test/fixtures/fake-runtime.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'homeport-supervisor-'));
const supervisors: Supervisor[] = [];
let counter = 0;

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
  killAllChildrenSync();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type StateEvent = Extract<RuntimeEvent, { type: 'state' }>;
type ExitEvent = Extract<RuntimeEvent, { type: 'exit' }>;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}



interface Harness {
  readonly supervisor: Supervisor;
  readonly events: RuntimeEvent[];
  /** Attempt numbers plan() was called with, in order. */
  readonly planCalls: number[];
  /** When plan() was called (ms timestamps). */
  readonly planTimes: number[];
  readonly ports: number[];
  readonly stateFile: string;
  transitions(): string[];
  stateEvents(): StateEvent[];
  exits(): ExitEvent[];
  stateLines(): string[];
  /** Resolves when a state event to `to` arrives (the `nth` one, counting from 1). */
  reached(to: string, nth?: number, timeoutMs?: number): Promise<StateEvent>;
}

function harness(
  flags: readonly string[] | ((attempt: number) => readonly string[]),
  overrides: Partial<SupervisorOptions> = {},
  planExtra: Partial<LaunchPlan> = {},
): Harness {
  counter += 1;
  const stateFile = path.join(tmp, `state-${counter}.log`);
  const events: RuntimeEvent[] = [];
  const planCalls: number[] = [];
  const planTimes: number[] = [];
  const ports: number[] = [];
  const supervisor = new Supervisor({
    id: `fake-${counter}`,
    kind: 'llama-server',
    plan: async (attempt) => {
      planCalls.push(attempt);
      planTimes.push(Date.now());
      const port = await allocatePort();
      ports.push(port);
      const extra = typeof flags === 'function' ? flags(attempt) : flags;
      return {
        command: process.execPath,
        args: ['--import', 'tsx', FAKE_RUNTIME, '--port', String(port), '--state-file', stateFile, ...extra],
        cwd: ROOT,
        baseUrl: `http://127.0.0.1:${port}`,
        healthPath: '/health',
        headers: { authorization: 'Bearer per-launch-key' },
        ...planExtra,
      };
    },
    healthIntervalMs: 50,
    startDeadlineMs: 15_000,
    stopTimeoutMs: 2_000,
    backoff: { initialMs: 50, factor: 2, maxMs: 1_000 },
    crashLimit: { count: 3, windowMs: 60_000 },
    ...overrides,
  });
  supervisor.subscribe((event) => events.push(event));
  supervisors.push(supervisor);

  const stateEvents = (): StateEvent[] => events.filter((event): event is StateEvent => event.type === 'state');
  return {
    supervisor,
    events,
    planCalls,
    planTimes,
    ports,
    stateFile,
    stateEvents,
    transitions: () => stateEvents().map((event) => `${event.from}->${event.to}`),
    exits: () => events.filter((event): event is ExitEvent => event.type === 'exit'),
    stateLines: () => (existsSync(stateFile) ? readFileSync(stateFile, 'utf8').trim().split('\n') : []),
    reached: async (to, nth = 1, timeoutMs = 20_000) => {
      const matching = (): StateEvent[] => stateEvents().filter((event) => event.to === to);
      await waitUntil(() => matching().length >= nth, timeoutMs, `state "${to}" #${nth}`);
      const event = matching()[nth - 1];
      if (event === undefined) throw new Error('unreachable');
      return event;
    },
  };
}

describe('Supervisor: start, ready, stop', () => {
  it('starts: stopped -> starting -> ready, and serves the endpoint from cache', async () => {
    const h = harness(['--log', 'hello stdout', '--log-stderr', 'hello stderr']);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'stopped', pid: null, port: null, baseUrl: null });

    await h.supervisor.start();
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready']);
    expect(h.planCalls).toEqual([1]);

    const port = h.ports[0];
    const snapshot = h.supervisor.snapshot();
    expect(snapshot).toMatchObject({
      id: h.supervisor.id,
      kind: 'llama-server',
      state: 'ready',
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      restarts: 0,
      lastError: null,
    });
    expect(snapshot.pid).toBeGreaterThan(0);
    expect(snapshot.readySince).not.toBeNull();

    // Hot path: the very same promise and endpoint object every time.
    const first = h.supervisor.ensureReady({ deadlineMs: 1_000 });
    expect(h.supervisor.ensureReady({ deadlineMs: 1_000 })).toBe(first);
    const endpoint = await first;
    expect(endpoint).toEqual({
      baseUrl: `http://127.0.0.1:${port}`,
      hostname: '127.0.0.1',
      port,
      headers: { authorization: 'Bearer per-launch-key' },
    });
    const models = (await (await fetch(`${endpoint.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data[0]?.id).toBe('fake-model');

    await waitUntil(() => h.supervisor.logs().some((line) => line.line === 'hello stderr'), 2_000, 'stderr line');
    const logs = h.supervisor.logs();
    expect(logs).toContainEqual(expect.objectContaining({ stream: 'stdout', line: 'hello stdout' }));
    expect(logs).toContainEqual(expect.objectContaining({ stream: 'stderr', line: 'hello stderr' }));
    expect(logs.some((line) => line.stream === 'supervisor' && line.line.includes('starting → ready'))).toBe(true);
    // The per-launch key in the plan's headers never reaches the log.
    expect(logs.some((line) => line.line.includes('per-launch-key'))).toBe(false);
  });

  it('stops gracefully: ready -> stopping -> stopped with SIGTERM honoured; unsubscribe stops events', async () => {
    const h = harness([]);
    const seen: string[] = [];
    const unsubscribe = h.supervisor.subscribe((event) => seen.push(event.type));
    await h.supervisor.start();
    unsubscribe();
    const pid = h.supervisor.snapshot().pid ?? -1;

    await h.supervisor.stop();
    expect(seen).toEqual(['state', 'state']);
    expect(h.events.map((event) => event.type)).toEqual(['state', 'state', 'state', 'exit', 'state']);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready', 'ready->stopping', 'stopping->stopped']);
    expect(h.stateEvents().at(-1)?.reason).toBe('exited after SIGTERM');
    expect(h.exits()).toEqual([expect.objectContaining({ pid, code: 0, signal: null, expected: true })]);
    expect(h.stateLines()).toEqual(expect.arrayContaining([`sigterm ${pid}`, `exiting ${pid} code=0`]));
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'stopped', pid: null, port: null, readySince: null });
    expect(isAlive(pid)).toBe(false);

    // Idempotent: stopping again changes nothing.
    await h.supervisor.stop();
    expect(h.transitions()).toHaveLength(4);
  });

  it('SIGKILLs the whole group after stopTimeoutMs when SIGTERM is ignored', async () => {
    const h = harness(['--ignore-sigterm', '--spawn-grandchild'], { stopTimeoutMs: 400 });
    await h.supervisor.start();
    const pid = h.supervisor.snapshot().pid ?? -1;
    await waitUntil(() => h.stateLines().some((line) => line.startsWith('grandchild ')), 5_000, 'grandchild');
    const grandchild = Number(h.stateLines().find((line) => line.startsWith('grandchild '))?.split(' ')[2]);
    expect(isAlive(grandchild)).toBe(true);

    await h.supervisor.stop();
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready', 'ready->stopping', 'stopping->stopped']);
    expect(h.stateEvents().at(-1)?.reason).toMatch(/killed with SIGKILL after ignoring SIGTERM for 400 ms/);
    expect(h.stateLines()).toContain(`sigterm ${pid}`);
    expect(h.exits()).toEqual([expect.objectContaining({ pid, signal: 'SIGKILL', expected: true })]);
    expect(isAlive(pid)).toBe(false);
    await waitUntil(() => !isAlive(grandchild), 3_000, 'the grandchild to be gone');
  });

  it('respects --health-delay: not ready before health answers 200', async () => {
    const h = harness(['--health-delay', '500']);
    await h.supervisor.start();
    const [starting, ready] = h.stateEvents();
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready']);
    // The child only starts its clock after spawn, which is after `starting`.
    expect((ready?.at ?? 0) - (starting?.at ?? 0)).toBeGreaterThanOrEqual(500);
  });

  it('restart(): stop then start with a fresh launch', async () => {
    const h = harness([]);
    await h.supervisor.start();
    const firstPid = h.supervisor.snapshot().pid;
    await h.supervisor.restart();
    expect(h.transitions()).toEqual([
      'stopped->starting',
      'starting->ready',
      'ready->stopping',
      'stopping->stopped',
      'stopped->starting',
      'starting->ready',
    ]);
    expect(h.supervisor.snapshot().pid).not.toBe(firstPid);
    expect(h.planCalls).toEqual([1, 1]);
  });

  it('stop() while starting cancels the start and kills the child', async () => {
    const h = harness(['--health-delay', '60000']);
    const starting = h.supervisor.start().catch((caught: unknown) => caught);
    await waitUntil(() => h.stateLines().some((line) => line.startsWith('listening')), 10_000, 'the child to listen');
    await h.supervisor.stop();
    expect(await starting).toBeInstanceOf(RuntimeNotReadyError);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->stopping', 'stopping->stopped']);
    expect(h.exits()).toEqual([expect.objectContaining({ expected: true })]);
  });
});

describe('Supervisor: crashes and restarts', () => {
  it('crash while ready -> starting (backoff) -> ready; restarts = 1; leftovers of the group are killed', async () => {
    const h = harness((attempt) =>
      attempt === 1 ? ['--crash-after-ready', '150', '--spawn-grandchild'] : ['--health-delay', '300'],
    );
    await h.supervisor.start();
    const firstPid = h.supervisor.snapshot().pid ?? -1;

    // The crash is visible at once: no stale endpoint; callers wait for the restart.
    await h.reached('starting', 2);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'starting', pid: null, readySince: null });
    const waited = await h.supervisor.ensureReady({ deadlineMs: 20_000 });
    expect(waited.port).toBe(h.ports[1]);

    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready', 'ready->starting', 'starting->ready']);
    const restartReason = h.stateEvents()[2]?.reason ?? '';
    expect(restartReason).toMatch(/last exit: code 1/);
    expect(restartReason).toMatch(/restart 1 of at most 2/);
    expect(h.exits()).toEqual([expect.objectContaining({ pid: firstPid, code: 1, expected: false })]);
    expect(h.planCalls).toEqual([1, 2]);
    expect(h.ports[1]).not.toBe(h.ports[0]);

    const snapshot = h.supervisor.snapshot();
    expect(snapshot).toMatchObject({ state: 'ready', restarts: 1, lastError: 'code 1: "fake runtime crashing with code 1"', port: h.ports[1] });
    expect(snapshot.pid).not.toBe(firstPid);

    // The first launch's grandchild did not survive its leader's crash.
    const grandchild = Number(h.stateLines().find((line) => line.startsWith('grandchild '))?.split(' ')[2]);
    await waitUntil(() => !isAlive(grandchild), 3_000, 'the crashed launch grandchild to be gone');
  });

  it('a ready runtime that stops answering (SIGSTOP: hung) is killed after the liveness misses and restarted', async () => {
    const h = harness([], { liveness: { intervalMs: 100, failures: 2, timeoutMs: 200 } });
    await h.supervisor.start();
    const firstPid = h.supervisor.snapshot().pid ?? -1;
    // Still answering: several liveness rounds pass without disturbing it.
    await delay(500);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready']);

    process.kill(firstPid, 'SIGSTOP');
    await h.reached('starting', 2, 10_000);
    const endpoint = await h.supervisor.ensureReady({ deadlineMs: 20_000 });
    expect(endpoint.port).toBe(h.ports[1]);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready', 'ready->starting', 'starting->ready']);
    expect(h.stateEvents()[2]?.reason).toMatch(/stopped answering health checks \(2 failed in a row, last: no answer within 200 ms\)/);
    expect(h.exits()).toEqual([expect.objectContaining({ pid: firstPid, signal: 'SIGKILL', expected: false })]);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'ready', restarts: 1 });
    expect(h.supervisor.snapshot().pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
  });

  it('repeated crashes back off with growing delays, then fail with the reason and last log lines', async () => {
    const h = harness(['--crash-after', '0', '--exit-code', '3', '--log-stderr', 'fatal: model file is corrupt'], {
      backoff: { initialMs: 100, factor: 3, maxMs: 5_000 },
      crashLimit: { count: 3, windowMs: 60_000 },
    });
    const started = h.supervisor.start();
    await expect(started).rejects.toBeInstanceOf(RuntimeFailedError);

    expect(h.transitions()).toEqual([
      'stopped->starting',
      'starting->starting',
      'starting->starting',
      'starting->failed',
    ]);
    const reasons = h.stateEvents().map((event) => event.reason);
    expect(reasons[1]).toBe('last exit: code 3: "fake runtime crashing with code 3"; restart 1 of at most 2 within 60 s, in 100 ms');
    expect(reasons[2]).toBe('last exit: code 3: "fake runtime crashing with code 3"; restart 2 of at most 2 within 60 s, in 300 ms');
    expect(reasons[3]).toBe('crashed 3 times within 60 s; last exit: code 3: "fake runtime crashing with code 3"');

    // Each relaunch (plan call) came at least the backoff delay after the crash before it.
    const exits = h.exits();
    expect(exits).toHaveLength(3);
    expect(h.planCalls).toEqual([1, 2, 3]);
    const gaps = [1, 2].map((i) => (h.planTimes[i] ?? 0) - (exits[i - 1]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(100 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(300 - 5);

    const error = await started.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as RuntimeFailedError).message).toMatch(/crashed 3 times within 60 s; last exit: code 3/);
    expect((error as RuntimeFailedError).lastLogLines).toContain('fatal: model file is corrupt');
    expect(h.supervisor.snapshot()).toMatchObject({
      state: 'failed',
      restarts: 2,
      lastError: 'crashed 3 times within 60 s; last exit: code 3: "fake runtime crashing with code 3"',
      pid: null,
    });

    // ensureReady on a failed runtime rejects at once and does not spawn.
    const rejection = await h.supervisor.ensureReady({ deadlineMs: 10_000 }).catch((caught: unknown) => caught);
    expect(rejection).toBeInstanceOf(RuntimeFailedError);
    expect((rejection as RuntimeFailedError).runtimeId).toBe(h.supervisor.id);
    expect((rejection as RuntimeFailedError).lastLogLines).toContain('fatal: model file is corrupt');
    expect(h.planCalls).toHaveLength(3);
    // stop() leaves a failed runtime failed.
    await h.supervisor.stop();
    expect(h.supervisor.snapshot().state).toBe('failed');
  });

  it('an exit code the plan lists as fatal fails at once, without restarts, quoting what the runtime said', async () => {
    const h = harness(['--crash-after', '0', '--exit-code', '65', '--log-stderr', 'cannot load the model: Invalid GGUF magic'], {}, { fatalExitCodes: [65] });
    const error = await h.supervisor.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->failed']);
    expect(h.planCalls).toEqual([1]);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'failed', restarts: 0, lastError: 'cannot start: code 65: "fake runtime crashing with code 65"' });
    expect((error as RuntimeFailedError).lastLogLines).toContain('cannot load the model: Invalid GGUF magic');
  });

  it('explicit start() on a failed runtime retries from scratch', async () => {
    let broken = true;
    const h = harness(() => (broken ? ['--crash-after', '0'] : []), { crashLimit: { count: 1, windowMs: 60_000 } });
    await expect(h.supervisor.start()).rejects.toBeInstanceOf(RuntimeFailedError);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->failed']);

    broken = false;
    await h.supervisor.start();
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->failed', 'failed->starting', 'starting->ready']);
    expect(h.planCalls).toEqual([1, 1]);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'ready', restarts: 0, lastError: null });
  });

  it('a start deadline exceeded kills the child and counts as a crash', async () => {
    const h = harness(['--fail-health'], {
      startDeadlineMs: 1_500,
      stopTimeoutMs: 2_000,
      crashLimit: { count: 2, windowMs: 60_000 },
    });
    await expect(h.supervisor.start()).rejects.toBeInstanceOf(RuntimeFailedError);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->starting', 'starting->failed']);
    const reasons = h.stateEvents().map((event) => event.reason);
    // The last check saw 503, nothing listening yet if the child was slow to boot, or (on a loaded machine) no answer in time.
    expect(reasons[1]).toMatch(
      /^last exit: no healthy answer within 1.5 s \(last check: (HTTP 503|connection refused|no answer within [\d.]+ m?s)\); restart 1 of at most 1/,
    );
    expect(reasons[2]).toMatch(/^crashed 2 times within 60 s; last exit: no healthy answer within 1.5 s/);
    expect(h.exits()).toHaveLength(2);
    expect(h.exits().every((exit) => !exit.expected)).toBe(true);
    // Each child was stopped by us (SIGTERM: clean exit 0 or killed by the signal
    // if it had not booted far enough to handle it), not by a crash of its own.
    for (const exit of h.exits()) {
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(isAlive(exit.pid)).toBe(false);
    }
  });

  it('stop() during a pending restart cancels the restart timer', async () => {
    const h = harness(['--crash-after-ready', '50'], { backoff: { initialMs: 600, factor: 2, maxMs: 1_000 } });
    await h.supervisor.start();
    await h.reached('starting', 2);
    expect(h.supervisor.snapshot()).toMatchObject({ state: 'starting', pid: null });
    await h.supervisor.stop();
    await delay(900);
    expect(h.transitions()).toEqual([
      'stopped->starting',
      'starting->ready',
      'ready->starting',
      'starting->stopping',
      'stopping->stopped',
    ]);
    expect(h.stateEvents().at(-1)?.reason).toBe('no process was running');
    expect(h.planCalls).toEqual([1]);
  });
});

describe('Supervisor: ensureReady', () => {
  it('10 concurrent callers on a stopped runtime cause exactly one spawn', async () => {
    const h = harness(['--health-delay', '200']);
    const endpoints = await Promise.all(
      Array.from({ length: 10 }, () => h.supervisor.ensureReady({ deadlineMs: 20_000 })),
    );
    expect(h.planCalls).toEqual([1]);
    expect(h.stateLines().filter((line) => line.startsWith('started'))).toHaveLength(1);
    expect(h.transitions()).toEqual(['stopped->starting', 'starting->ready']);
    expect(h.stateEvents()[0]?.reason).toBe('started on demand by a request');
    expect(new Set(endpoints).size).toBe(1);
    expect(endpoints[0]?.port).toBe(h.ports[0]);
  });

  it('rejects with RuntimeNotReadyError when the deadline passes, and the runtime keeps starting', async () => {
    const h = harness(['--health-delay', '60000']);
    const error = await h.supervisor.ensureReady({ deadlineMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeNotReadyError);
    const notReady = error as RuntimeNotReadyError;
    expect(notReady.runtimeId).toBe(h.supervisor.id);
    expect(notReady.state).toBe('starting');
    expect(notReady.message).toContain(`Runtime "${h.supervisor.id}" is not ready after 300 ms (state: starting)`);
    expect(notReady.message).toMatch(/retry/);
    expect(h.supervisor.snapshot().state).toBe('starting');
  });

  it('rejects with RuntimeNotReadyError when the caller aborts', async () => {
    const h = harness(['--health-delay', '60000']);
    const controller = new AbortController();
    const waiting = h.supervisor.ensureReady({ deadlineMs: 20_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeNotReadyError);
    expect((error as RuntimeNotReadyError).message).toMatch(/cancelled/);

    const already = new AbortController();
    already.abort();
    await expect(h.supervisor.ensureReady({ deadlineMs: 20_000, signal: already.signal })).rejects.toBeInstanceOf(
      RuntimeNotReadyError,
    );
  });

  it('waiters are told when the runtime is stopped under them', async () => {
    const h = harness(['--health-delay', '60000']);
    const waiting = h.supervisor.ensureReady({ deadlineMs: 20_000 }).catch((caught: unknown) => caught);
    await h.reached('starting');
    await h.supervisor.stop();
    const error = await waiting;
    expect(error).toBeInstanceOf(RuntimeNotReadyError);
    expect((error as RuntimeNotReadyError).message).toMatch(/was stopped/);
  });

  it('a request arriving while stopping starts the runtime again once stopped', async () => {
    const h = harness([]);
    await h.supervisor.start();
    const stopping = h.supervisor.stop();
    await h.reached('stopping');
    const endpoint = await h.supervisor.ensureReady({ deadlineMs: 20_000 });
    await stopping;
    expect(h.transitions()).toEqual([
      'stopped->starting',
      'starting->ready',
      'ready->stopping',
      'stopping->stopped',
      'stopped->starting',
      'starting->ready',
    ]);
    expect(endpoint.port).toBe(h.ports[1]);
  });
});

describe('Supervisor: logs and events', () => {
  it('keeps the log ring buffer bounded', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => ['--log', `line ${i}`]).flat();
    const h = harness(lines, { logLines: 8 });
    await h.supervisor.start();
    await waitUntil(() => h.supervisor.logs().some((line) => line.line === 'line 29'), 3_000, 'the last log line');
    const logs = h.supervisor.logs();
    expect(logs).toHaveLength(8);
    expect(logs.some((line) => line.line === 'line 0')).toBe(false);
  });

  it('fails at once with a clear reason when the launch plan cannot be made', async () => {
    const supervisor = new Supervisor({
      id: 'broken-plan',
      kind: 'vllm',
      plan: () => Promise.reject(new Error('model file /models/missing.gguf not found')),
      healthIntervalMs: 50,
      startDeadlineMs: 1_000,
    });
    supervisors.push(supervisor);
    const error = await supervisor.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as Error).message).toMatch(/could not prepare launch 1: model file \/models\/missing.gguf not found/);
    expect(supervisor.snapshot().state).toBe('failed');
  });

  it('fails at once when the command does not exist', async () => {
    const supervisor = new Supervisor({
      id: 'missing-binary',
      kind: 'llama-server',
      plan: async () => ({ command: 'homeport-no-such-server', args: [], baseUrl: 'http://127.0.0.1:1', healthPath: '/health' }),
      healthIntervalMs: 50,
      startDeadlineMs: 1_000,
    });
    supervisors.push(supervisor);
    const error = await supervisor.ensureReady({ deadlineMs: 5_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuntimeFailedError);
    expect((error as Error).message).toMatch(/homeport-no-such-server: not found on PATH/);
  });
});
