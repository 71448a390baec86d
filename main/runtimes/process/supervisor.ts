/**
 * The one owner of a runtime process's lifecycle: the orchestration. Each
 * concern it orchestrates reads alone in its own file:
 *
 *   launch.ts          spawning a plan, output into the log, terminating
 *   health-outcome.ts  what a start-up health poll's result means (pure)
 *   crash-history.ts   crashes, restarts and the pure restart policy
 *   liveness.ts        health checks while ready
 *   detached-launch.ts LM Studio's `lms server start`-style launchers
 *   supervisor-errors.ts what waiting callers are told
 *
 * States: stopped → starting → ready → stopping → stopped, plus failed (gave
 * up after too many crashes, or the launch itself was impossible). Every
 * state change happens inside an operation on ONE serial queue (the lifecycle
 * core), so nothing reads the state and then acts on a stale view of it.
 * Slow work (preparing a launch plan, polling health, backoff delays) runs
 * outside the queue and re-enters it with its result; a `generation`
 * counter, bumped whenever such work becomes obsolete (stop, new attempt),
 * makes late results harmless.
 *
 * Callers never inspect state and then act: they call `ensureReady()`, which
 * returns the cached endpoint at once when ready, or waits (with a deadline)
 * while the runtime starts, starting it if it is stopped.
 *
 * Health is polled quickly while starting. While ready, the child's exit
 * drives the transition: a crash goes through the restart policy, which
 * either schedules a restart after a backoff delay (state stays/goes
 * `starting`) or gives up (`failed`, with the last log lines). Health is also
 * polled slowly while ready (liveness): a runtime that stops answering —
 * hung, stopped, or alive with a dead engine (vLLM's 503 after
 * EngineDeadError) — is killed after `liveness.failures` misses in a row, and
 * that counts as a crash.
 */
import { checkHealthOnce, waitForHealthy, systemClock } from './health.js';
import type { Clock, HealthOutcome, HealthProbe, TimerHandle } from './health.js';
import { watchLiveness, type LivenessPolicy } from './liveness.js';
import { DEFAULT_LOG_LINES, DEFAULT_MAX_LINE_CHARS } from './log-buffer.js';
import { DEFAULT_BACKOFF, DEFAULT_CRASH_LIMIT } from './restart-policy.js';
import type { BackoffPolicy, CrashLimit } from './restart-policy.js';
import { runAtAbruptExit, spawnRuntimeProcess } from './spawn.js';
import type { ExitCommand } from './group-reaper.js';
import type { ProcessExit, SpawnRuntime } from './spawn.js';
import { captureChildOutput, describeExit, healthUrlOf, isGone, spawnLaunch, startDeadlineOf, terminateLaunch, type Launch } from './launch.js';
import { decideOnHealthOutcome } from './health-outcome.js';
import { CrashHistory, describeCrash, isFatalExit } from './crash-history.js';
import { guardAbruptExit, launcherFinished, livenessFor, stopDetachedLaunch } from './detached-launch.js';
import { failedError, notReadyError, stoppedWhileWaitingError } from './supervisor-errors.js';
import { CoreRuntimeHandle } from '../core-runtime-handle.js';
import { PROCESS_TRANSITIONS } from '../lifecycle-core.js';
import type { RuntimeFailedError } from '../types.js';
import type { EnsureReadyOptions, LaunchPlan, RuntimeEndpoint, RuntimeKind, RuntimeSnapshot } from '../types.js';

export interface SupervisorOptions {
  readonly id: string;
  readonly kind: RuntimeKind;
  /**
   * Called before every spawn: 1 for the first launch after start(), 2 for
   * the first restart after a crash, and so on. Return a fresh plan (e.g. a
   * new port) each time. A rejection fails the runtime with its message.
   */
  readonly plan: (attempt: number) => Promise<LaunchPlan>;
  /** Pause between health checks while starting. */
  readonly healthIntervalMs: number;
  /** Health must answer 200 within this long after spawn, else the child is killed and it counts as a crash. */
  readonly startDeadlineMs: number;
  /** SIGTERM, wait this long, then SIGKILL the process group. Default 5000. */
  readonly stopTimeoutMs?: number;
  readonly backoff?: BackoffPolicy;
  readonly crashLimit?: CrashLimit;
  /** Log lines kept in the ring buffer. Default 500. */
  readonly logLines?: number;
  /** Longer log lines are truncated. Default 4096 characters. */
  readonly maxLogLineChars?: number;
  /** Health checks while ready (liveness.ts). Default: 3 misses of 5 s in a row, 5 s apart → killed, a crash. */
  readonly liveness?: LivenessPolicy;
  readonly clock?: Clock;
  readonly spawn?: SpawnRuntime;
  readonly healthProbe?: HealthProbe;
  /** Registers a command for the watchdog to run if the engine dies abruptly (default: spawn.ts's watchdog). */
  readonly atAbruptExit?: (command: ExitCommand) => () => void;
}

/** Log lines attached to a RuntimeFailedError. */
const FAILURE_LOG_LINES = 20;

export class Supervisor extends CoreRuntimeHandle {
  private readonly options: SupervisorOptions;
  private readonly spawnProcess: SpawnRuntime;
  private readonly atAbruptExit: (command: ExitCommand) => () => void;
  private readonly stopTimeoutMs: number;
  private readonly maxLogLineChars: number;
  private readonly crashes: CrashHistory;
  /** The current child (while starting with a process, or ready). */
  private launch: Launch | null = null;
  /** Bumped whenever in-flight async work (plan, health, restart timer) becomes obsolete. */
  private generation = 0;
  private restartTimer: TimerHandle | null = null;
  private lastError: string | null = null;
  private failure: { reason: string; lastLogLines: readonly string[] } | null = null;

  constructor(options: SupervisorOptions) {
    const maxLogLineChars = options.maxLogLineChars ?? DEFAULT_MAX_LINE_CHARS;
    super({
      id: options.id,
      kind: options.kind,
      transitions: PROCESS_TRANSITIONS,
      clock: options.clock ?? systemClock,
      logLines: options.logLines ?? DEFAULT_LOG_LINES,
      maxLogLineChars,
    });
    this.options = options;
    this.maxLogLineChars = maxLogLineChars;
    this.spawnProcess = options.spawn ?? spawnRuntimeProcess;
    this.atAbruptExit = options.atAbruptExit ?? runAtAbruptExit;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.crashes = new CrashHistory({ backoff: options.backoff ?? DEFAULT_BACKOFF, crashLimit: options.crashLimit ?? DEFAULT_CRASH_LIMIT });
  }

  // ---------------------------------------------------------------- public API

  snapshot(): RuntimeSnapshot {
    const launch = this.launch;
    return this.snapshotWith({
      pid: launch !== null && !launch.launcherDone ? launch.child.pid : null,
      port: launch?.endpoint.port ?? null,
      baseUrl: launch?.endpoint.baseUrl ?? null,
      restarts: this.crashes.restarts,
      lastError: this.lastError,
    });
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    // Hot path: one field read, no I/O, no timers, no allocation.
    return this.core.ready ?? this.waitUntilReady(options);
  }

  /** Start (from stopped or failed, with a clean crash history); resolves once ready. */
  start(): Promise<void> {
    return this.core.runUntilReady(() => this.beginFreshStart('start requested'), () => this.failedError());
  }

  /** Stop the child (SIGTERM, then SIGKILL after stopTimeoutMs). Idempotent. */
  async stop(): Promise<void> {
    await this.core.run(() => this.stopNow('stop requested', { rejectWaiters: true }));
  }

  /** Stop, then start from a clean crash history; resolves once ready. Waiters keep waiting. */
  restart(): Promise<void> {
    return this.core.runUntilReady(async () => {
      await this.stopNow('restart requested', { rejectWaiters: false });
      this.beginFreshStart('restart requested');
    }, () => this.failedError());
  }

  // ------------------------------------------------------- waiting for ready

  private waitUntilReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.state === 'failed') return Promise.reject(this.failedError());
    return this.core.waitForReady({
      ...options,
      notReady: (cause) =>
        notReadyError({ id: this.id, state: this.state, cause, deadlineMs: options.deadlineMs, restarting: this.restartTimer !== null }),
      onWaiting: () => {
        // Stopped (or about to be): start on demand. Concurrent callers each post
        // this, but only the first finds the runtime stopped, so one spawn.
        if (this.state === 'stopped' || this.state === 'stopping') {
          this.core.post(() => {
            if (this.state === 'stopped') this.beginFreshStart('started on demand by a request');
          });
        }
      },
    });
  }

  private failedError(): RuntimeFailedError {
    return failedError(this.id, this.failure?.reason ?? this.lastError ?? 'failed', this.failure?.lastLogLines ?? []);
  }

  // ------------------------------------------------ transitions (queue only)

  private beginFreshStart(reason: string): void {
    if (this.state === 'starting' || this.state === 'ready') return;
    this.crashes.reset();
    this.lastError = null;
    this.failure = null;
    this.beginAttempt(reason, 0);
  }

  /** Enter `starting` and launch after `delayMs` (0 = now). */
  private beginAttempt(reason: string, delayMs: number): void {
    const generation = ++this.generation;
    const attempt = this.crashes.restarts + 1;
    this.core.transition('starting', reason);
    if (delayMs <= 0) {
      this.launchInBackground(generation, attempt);
      return;
    }
    this.restartTimer = this.clock.setTimer(delayMs, () => {
      this.core.post(() => {
        if (generation !== this.generation) return;
        this.restartTimer = null;
        this.launchInBackground(generation, attempt);
      });
    });
  }

  private cancelPendingWork(): void {
    this.generation += 1;
    this.restartTimer?.cancel();
    this.restartTimer = null;
  }

  private fail(reason: string): void {
    this.cancelPendingWork();
    this.lastError = reason;
    const lastLogLines = this.buffer
      .lines()
      .filter((line) => line.stream !== 'supervisor')
      .slice(-FAILURE_LOG_LINES)
      .map((line) => line.line);
    this.failure = { reason, lastLogLines };
    this.core.transition('failed', reason);
    this.core.rejectWaiters(this.failedError());
  }

  private async stopNow(reason: string, options: { rejectWaiters: boolean }): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.cancelPendingWork();
    const launch = this.launch;
    this.core.transition('stopping', reason);
    if (options.rejectWaiters) this.core.rejectWaiters(stoppedWhileWaitingError(this.id, reason));
    let how = 'no process was running';
    if (launch !== null && launch.plan.detached !== undefined) {
      how = await stopDetachedLaunch(launch, {
        stopTimeoutMs: this.stopTimeoutMs,
        pollIntervalMs: this.options.healthIntervalMs,
        spawn: this.spawnProcess,
        clock: this.clock,
        probe: (timeoutMs) => this.probeOnce(launch, timeoutMs),
        capture: (child) => captureChildOutput(child, this.logSink()),
        note: (line) => this.note(line),
      });
    } else if (launch !== null && launch.exit === null) {
      launch.stopRequested = true;
      launch.livenessTimer?.cancel();
      how = await terminateLaunch(launch, { stopTimeoutMs: this.stopTimeoutMs, clock: this.clock, note: (line) => this.note(line) });
    }
    this.launch = null;
    this.core.transition('stopped', how);
  }

  // --------------------------------------------------------- launching

  private launchInBackground(generation: number, attempt: number): void {
    this.launchAttempt(generation, attempt).catch((error: unknown) => {
      this.note(`internal error during launch ${attempt}: ${errorMessage(error)}`);
    });
  }

  /** Outside the queue: plan, spawn (inside the queue), poll health, report back. */
  private async launchAttempt(generation: number, attempt: number): Promise<void> {
    let plan: LaunchPlan;
    try {
      plan = await this.options.plan(attempt);
    } catch (error) {
      this.core.post(() => {
        if (generation === this.generation) this.fail(`could not prepare launch ${attempt}: ${errorMessage(error)}`);
      });
      return;
    }
    const launch = await this.core.run(() => this.spawnChild(generation, attempt, plan));
    if (launch === null) return;
    const outcome = await waitForHealthy({
      url: healthUrlOf(launch),
      headers: launch.endpoint.headers,
      intervalMs: this.options.healthIntervalMs,
      deadlineMs: startDeadlineOf(launch, this.options.startDeadlineMs),
      signal: launch.exitController.signal,
      clock: this.clock,
      probe: this.options.healthProbe,
    });
    this.core.post(() => this.onHealthOutcome(launch, outcome));
  }

  /** Inside the queue. Returns null when the attempt is obsolete or could not spawn. */
  private async spawnChild(generation: number, attempt: number, plan: LaunchPlan): Promise<Launch | null> {
    if (generation !== this.generation || this.state !== 'starting') return null;
    try {
      this.launch = await spawnLaunch({
        attempt,
        plan,
        spawn: this.spawnProcess,
        clock: this.clock,
        ...this.logSink(),
        onExit: (launch, exit) => this.onChildExited(launch, exit),
      });
      return this.launch;
    } catch (error) {
      this.fail(`could not launch: ${errorMessage(error)}`);
      return null;
    }
  }

  /** Where a child's output goes: this runtime's log. */
  private logSink() {
    return { buffer: this.buffer, maxLogLineChars: this.maxLogLineChars, note: (line: string) => this.note(line) };
  }

  /** Inside the queue. */
  private onHealthOutcome(launch: Launch, outcome: HealthOutcome): void {
    const decision = decideOnHealthOutcome({
      outcome,
      current: this.launch === launch && this.state === 'starting' && !isGone(launch) && !launch.stopRequested,
      launcherDone: launch.launcherDone,
      startDeadlineMs: startDeadlineOf(launch, this.options.startDeadlineMs),
    });
    switch (decision.action) {
      case 'ignore':
        return;
      case 'ready':
        this.core.becomeReady(launch.endpoint, decision.reason);
        this.watchLiveness(launch);
        guardAbruptExit(launch, this.atAbruptExit);
        return;
      case 'crash':
        launch.killReason = decision.reason;
        this.onCrash(launch, launch.exit ?? { code: null, signal: null });
        return;
      case 'kill':
        launch.killReason = decision.reason;
        this.note(`${decision.reason}; stopping the process`);
        launch.child.signalGroup('SIGTERM');
        launch.forceKillTimer = this.clock.setTimer(this.stopTimeoutMs, () => {
          if (launch.exit === null) launch.child.signalGroup('SIGKILL');
        });
        return;
    }
  }

  // ------------------------------------------------------------ exits

  /** Runs as soon as the child is gone (not queued, so the exit event is prompt). */
  private onChildExited(launch: Launch, exit: ProcessExit): void {
    launch.exit = exit;
    if (launcherFinished(launch, exit)) {
      launch.launcherDone = true;
      this.note(`launcher ${launch.child.pid} exited (code 0); the server it started runs on its own`);
      this.emitExit(launch, exit, true);
      return;
    }
    launch.exitController.abort();
    launch.forceKillTimer?.cancel();
    launch.livenessTimer?.cancel();
    // Whatever the leader left behind in its group (helpers, workers) goes too.
    launch.child.signalGroup('SIGKILL');
    this.note(`process ${launch.child.pid} exited (${describeExit(exit)})`);
    this.emitExit(launch, exit, launch.stopRequested);
    if (!launch.stopRequested) this.core.post(() => this.onCrash(launch, exit));
  }

  private emitExit(launch: Launch, exit: ProcessExit, expected: boolean): void {
    this.core.emit({ type: 'exit', runtimeId: this.id, pid: launch.child.pid, code: exit.code, signal: exit.signal, expected, at: this.clock.now() });
  }

  /** Inside the queue: an exit we did not ask for. */
  private onCrash(launch: Launch, exit: ProcessExit): void {
    if (this.launch !== launch || launch.stopRequested) return;
    this.launch = null;
    launch.livenessTimer?.cancel();
    launch.cancelAbruptExitStop?.();
    const lastExit = launch.killReason ?? describeCrash(this.buffer.lines(), launch.spawnedAt, exit);
    this.lastError = lastExit;
    const decision = this.crashes.record({ now: this.clock.now(), lastExit, fatal: isFatalExit(launch.plan, exit, launch.killReason !== null) });
    if (decision.action === 'give-up') {
      this.fail(decision.reason);
      return;
    }
    this.beginAttempt(decision.reason, decision.delayMs);
  }

  // ------------------------------------------------------------ liveness

  /** While ready: check health now and then; a run of misses is a crash. */
  private watchLiveness(launch: Launch): void {
    const generation = this.generation;
    launch.livenessTimer = watchLiveness({
      policy: livenessFor(launch.plan, this.options.liveness),
      clock: this.clock,
      check: (timeoutMs) => this.probeOnce(launch, timeoutMs),
      isCurrent: () => generation === this.generation && this.launch === launch && !launch.stopRequested,
      onLost: (reason) => this.core.post(() => this.onUnresponsive(launch, generation, reason)),
    });
  }

  /** Inside the queue: a ready runtime stopped answering. Its own process is killed; the exit is the crash. */
  private onUnresponsive(launch: Launch, generation: number, reason: string): void {
    if (generation !== this.generation || this.launch !== launch || launch.stopRequested) return;
    if (launch.plan.detached !== undefined) {
      // The detached server went away: a launcher still running has no server to hand over any more.
      launch.killReason = reason;
      this.note(reason);
      if (launch.exit === null) launch.child.signalGroup('SIGTERM');
      this.onCrash(launch, launch.exit ?? { code: null, signal: null });
      return;
    }
    if (launch.exit !== null) return;
    launch.killReason = reason;
    this.note(`${reason}; killing process group ${launch.child.pid}`);
    launch.child.signalGroup('SIGKILL');
  }

  /** One health request; null when it answered 200, else what went wrong. */
  private probeOnce(launch: Launch, timeoutMs: number): Promise<string | null> {
    return checkHealthOnce({
      url: healthUrlOf(launch),
      headers: launch.endpoint.headers,
      timeoutMs,
      clock: this.clock,
      ...(this.options.healthProbe !== undefined ? { probe: this.options.healthProbe } : {}),
    });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
