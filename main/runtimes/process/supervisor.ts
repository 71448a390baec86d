/**
 * The one owner of a runtime process's lifecycle.
 *
 * States: stopped → starting → ready → stopping → stopped, plus failed (gave
 * up after too many crashes, or the launch itself was impossible). Every
 * state change happens inside an operation on ONE serial queue, so nothing
 * reads the state and then acts on a stale view of it. Slow work (preparing
 * a launch plan, polling health, backoff delays) runs outside the queue and
 * re-enters it with its result; a `generation` counter, bumped whenever such
 * work becomes obsolete (stop, new attempt), makes late results harmless.
 *
 * Callers never inspect state and then act: they call `ensureReady()`, which
 * returns the cached endpoint at once when ready, or waits (with a deadline)
 * while the runtime starts, starting it if it is stopped.
 *
 * Health is polled quickly while starting. While ready, the child's exit
 * drives the transition: a crash goes through the pure restart policy, which
 * either schedules a restart after a backoff delay (state stays/goes
 * `starting`) or gives up (`failed`, with the last log lines). Health is also
 * polled slowly while ready (liveness): a runtime that stops answering —
 * hung, stopped, or alive with a dead engine (vLLM's 503 after
 * EngineDeadError) — is killed after `liveness.failures` misses in a row, and
 * that counts as a crash.
 *
 * Detached launchers (`plan.detached`, e.g. `lms server start`) differ: the
 * spawned command exits cleanly once the server it started runs on its own,
 * so liveness misses are the only crash signal, and stopping runs the plan's
 * stop command, then waits for health to go down.
 */
import { checkHealthOnce, waitForHealthy, systemClock } from './health.js';
import { DEFAULT_LIVENESS, DETACHED_LIVENESS, watchLiveness, type LivenessPolicy } from './liveness.js';
import type { Clock, HealthOutcome, HealthProbe, TimerHandle } from './health.js';
import { DEFAULT_LOG_LINES, DEFAULT_MAX_LINE_CHARS, LogBuffer } from './log-buffer.js';
import { captureOutput } from './output-capture.js';
import { runDetachedStop } from './detached-stop.js';
import { DEFAULT_BACKOFF, DEFAULT_CRASH_LIMIT, decideRestart, formatDuration } from './restart-policy.js';
import type { BackoffPolicy, CrashLimit } from './restart-policy.js';
import { runAtAbruptExit, spawnRuntimeProcess } from './spawn.js';
import { showCommandLine } from './redact-args.js';
import type { ExitCommand } from './group-reaper.js';
import type { ProcessExit, RuntimeProcess, SpawnRuntime } from './spawn.js';
import { RuntimeFailedError, RuntimeNotReadyError } from '../types.js';
import { LifecycleCore, PROCESS_TRANSITIONS } from '../lifecycle-core.js';
import type {
  EnsureReadyOptions,
  LaunchPlan,
  LogLine,
  RuntimeEndpoint,
  RuntimeHandle,
  RuntimeKind,
  RuntimeSnapshot,
  RuntimeState,
  SupervisorEvent,
} from '../types.js';
import type { Readable } from 'node:stream';

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

/** How long to wait for a SIGKILLed group leader to be reported gone. */
const KILL_WAIT_MS = 5_000;
/** A crash reason quotes at most this much of the runtime's last stderr line. */
const MAX_SAID_CHARS = 300;
/** Log lines attached to a RuntimeFailedError. */
const FAILURE_LOG_LINES = 20;
const STOP_COMMAND_TIMEOUT_MS = 30_000;

/** One spawned child and what we know about it. */
interface Launch {
  readonly attempt: number;
  /** When the process was spawned (clock time): its own log lines are the ones from then on. */
  readonly spawnedAt: number;
  readonly plan: LaunchPlan;
  readonly endpoint: RuntimeEndpoint;
  readonly child: RuntimeProcess;
  /** Aborted when the child exits: stops health polling at once. */
  readonly exitController: AbortController;
  exit: ProcessExit | null;
  /** We are stopping it on purpose: its exit is expected. */
  stopRequested: boolean;
  /** Set when we kill it for missing the start deadline (then its exit is a crash). */
  killReason: string | null;
  forceKillTimer: TimerHandle | null;
  /** Detached launcher that exited cleanly: the server lives on without it. */
  launcherDone: boolean;
  /** The pending liveness poll while ready. */
  livenessTimer: TimerHandle | null;
  /** Detached launcher, server up: takes back the stop command the watchdog would run if the engine died. */
  cancelAbruptExitStop: (() => void) | null;
}

/** Queue operations return this instead of a bare promise, so the queue does not wait on it. */
interface Pending<T> {
  readonly settled: Promise<T>;
}

function endpointFromPlan(plan: LaunchPlan): RuntimeEndpoint {
  const baseUrl = plan.baseUrl.replace(/\/+$/, '');
  const url = new URL(baseUrl);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return Object.freeze({
    baseUrl,
    hostname: url.hostname,
    port,
    headers: Object.freeze({ ...(plan.headers ?? {}) }),
  });
}

function healthUrl(endpoint: RuntimeEndpoint, healthPath: string): string {
  return `${endpoint.baseUrl}${healthPath.startsWith('/') ? '' : '/'}${healthPath}`;
}

function describeExit(exit: ProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Gone for good: exited, and not a detached launcher that finished its job. */
function isGone(launch: Launch): boolean {
  return launch.exit !== null && !launch.launcherDone;
}

function startDeadlineOf(launch: Launch, fallbackMs: number): number {
  return launch.plan.startDeadlineMs ?? fallbackMs;
}

export class Supervisor implements RuntimeHandle {
  readonly id: string;
  readonly kind: RuntimeKind;

  private readonly options: SupervisorOptions;
  private readonly clock: Clock;
  private readonly spawnProcess: SpawnRuntime;
  private readonly atAbruptExit: (command: ExitCommand) => () => void;
  private readonly stopTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly crashLimit: CrashLimit;
  private readonly maxLogLineChars: number;
  private readonly buffer: LogBuffer;
  /** State, queue, events and waiters (lifecycle-core.ts). */
  private readonly core: LifecycleCore;
  /** The current child (while starting with a process, or ready). */
  private launch: Launch | null = null;
  /** Bumped whenever in-flight async work (plan, health, restart timer) becomes obsolete. */
  private generation = 0;
  private restartTimer: TimerHandle | null = null;
  private crashTimes: number[] = [];
  private restarts = 0;
  private lastError: string | null = null;
  private failure: { reason: string; lastLogLines: readonly string[] } | null = null;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.id = options.id;
    this.kind = options.kind;
    this.clock = options.clock ?? systemClock;
    this.spawnProcess = options.spawn ?? spawnRuntimeProcess;
    this.atAbruptExit = options.atAbruptExit ?? runAtAbruptExit;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.crashLimit = options.crashLimit ?? DEFAULT_CRASH_LIMIT;
    this.maxLogLineChars = options.maxLogLineChars ?? DEFAULT_MAX_LINE_CHARS;
    this.buffer = new LogBuffer({
      capacity: options.logLines ?? DEFAULT_LOG_LINES,
      maxLineChars: this.maxLogLineChars,
      now: () => this.clock.now(),
    });
    this.core = new LifecycleCore({ id: this.id, transitions: PROCESS_TRANSITIONS, clock: this.clock, note: (line) => this.note(line) });
  }

  private get state(): RuntimeState {
    return this.core.state;
  }

  // ---------------------------------------------------------------- public API

  snapshot(): RuntimeSnapshot {
    const launch = this.launch;
    return {
      id: this.id,
      kind: this.kind,
      state: this.state,
      pid: launch !== null && !launch.launcherDone ? launch.child.pid : null,
      port: launch?.endpoint.port ?? null,
      baseUrl: launch?.endpoint.baseUrl ?? null,
      restarts: this.restarts,
      lastError: this.lastError,
      readySince: this.core.readySince,
    };
  }

  ensureReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    // Hot path: one field read, no I/O, no timers, no allocation.
    return this.core.ready ?? this.waitUntilReady(options);
  }

  readyEndpoint(): RuntimeEndpoint | null {
    return this.state === 'ready' ? (this.launch?.endpoint ?? null) : null;
  }

  /** Start (from stopped or failed, with a clean crash history); resolves once ready. */
  async start(): Promise<void> {
    const pending = await this.run(() => {
      this.beginFreshStart('start requested');
      return this.outcome();
    });
    await pending.settled;
  }

  /** Stop the child (SIGTERM, then SIGKILL after stopTimeoutMs). Idempotent. */
  async stop(): Promise<void> {
    await this.run(() => this.stopNow('stop requested', { rejectWaiters: true }));
  }

  /** Stop, then start from a clean crash history; resolves once ready. Waiters keep waiting. */
  async restart(): Promise<void> {
    const pending = await this.run(async () => {
      await this.stopNow('restart requested', { rejectWaiters: false });
      this.beginFreshStart('restart requested');
      return this.outcome();
    });
    await pending.settled;
  }

  logs(): readonly LogLine[] {
    return this.buffer.lines();
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    return this.core.subscribe(listener);
  }

  // ------------------------------------------------------------------ queue

  /** Run `operation` after every operation queued before it. */
  private run<T>(operation: () => T | Promise<T>): Promise<T> {
    return this.core.run(operation);
  }

  /** Fire-and-forget variant of run(); a failure becomes a supervisor note. */
  private post(operation: () => void | Promise<void>): void {
    this.core.post(operation);
  }

  // ------------------------------------------------------- waiting for ready

  private waitUntilReady(options: EnsureReadyOptions): Promise<RuntimeEndpoint> {
    if (this.state === 'failed') return Promise.reject(this.failedError());
    const { deadlineMs } = options;
    return this.core.waitForReady({
      deadlineMs,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      notReady: (cause) => this.notReadyError(cause, deadlineMs),
      onWaiting: () => {
        // Stopped (or about to be): start on demand. Concurrent callers each post
        // this, but only the first finds the runtime stopped, so one spawn.
        if (this.state === 'stopped' || this.state === 'stopping') {
          this.post(() => {
            if (this.state === 'stopped') this.beginFreshStart('started on demand by a request');
          });
        }
      },
    });
  }

  /** Inside the queue: a promise for reaching ready (or failing / being stopped). */
  private outcome(): Pending<void> {
    return this.core.outcome(() => this.failedError());
  }

  private failedError(): RuntimeFailedError {
    const reason = this.failure?.reason ?? this.lastError ?? 'failed';
    return new RuntimeFailedError(
      this.id,
      `Runtime "${this.id}" failed: ${reason}. Check its logs, fix the cause and start it again.`,
      this.failure?.lastLogLines ?? [],
    );
  }

  private notReadyError(cause: 'deadline' | 'aborted', deadlineMs: number): RuntimeNotReadyError {
    const state = this.state;
    const what =
      cause === 'deadline'
        ? `is not ready after ${formatDuration(deadlineMs)}`
        : 'was not ready when the request was cancelled';
    let advice: string;
    switch (state) {
      case 'starting':
        advice =
          this.restartTimer !== null
            ? 'it is restarting after a crash; retry shortly or check its logs'
            : 'it is still starting (loading a model can take a while); retry shortly or allow a longer deadline';
        break;
      case 'stopped':
      case 'stopping':
        advice = 'it is stopped; start it and retry';
        break;
      case 'failed':
        advice = 'it failed; check its logs and start it again';
        break;
      case 'ready':
        advice = 'it has just become ready; retry';
        break;
    }
    return new RuntimeNotReadyError(this.id, state, `Runtime "${this.id}" ${what} (state: ${state}); ${advice}.`);
  }

  // ------------------------------------------------ transitions (queue only)

  private transition(to: RuntimeState, reason: string): void {
    this.core.transition(to, reason);
  }

  private beginFreshStart(reason: string): void {
    if (this.state === 'starting' || this.state === 'ready') return;
    this.crashTimes = [];
    this.restarts = 0;
    this.lastError = null;
    this.failure = null;
    this.beginAttempt(reason, 0);
  }

  /** Enter `starting` and launch after `delayMs` (0 = now). */
  private beginAttempt(reason: string, delayMs: number): void {
    const generation = ++this.generation;
    const attempt = this.restarts + 1;
    this.transition('starting', reason);
    if (delayMs <= 0) {
      this.launchInBackground(generation, attempt);
      return;
    }
    this.restartTimer = this.clock.setTimer(delayMs, () => {
      this.post(() => {
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
    this.transition('failed', reason);
    this.core.rejectWaiters(this.failedError());
  }

  private async stopNow(reason: string, options: { rejectWaiters: boolean }): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed') return;
    this.cancelPendingWork();
    const launch = this.launch;
    this.transition('stopping', reason);
    if (options.rejectWaiters) {
      this.core.rejectWaiters(
        new RuntimeNotReadyError(this.id, 'stopping', `Runtime "${this.id}" was stopped (${reason}) while the request waited; start it again and retry.`),
      );
    }
    let how = 'no process was running';
    if (launch !== null && launch.plan.detached !== undefined) {
      how = await this.stopDetached(launch);
    } else if (launch !== null && launch.exit === null) {
      launch.stopRequested = true;
      launch.livenessTimer?.cancel();
      how = await this.terminate(launch);
    }
    this.launch = null;
    this.transition('stopped', how);
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
      this.post(() => {
        if (generation === this.generation) this.fail(`could not prepare launch ${attempt}: ${errorMessage(error)}`);
      });
      return;
    }
    const launch = await this.run(() => this.spawnChild(generation, attempt, plan));
    if (launch === null) return;
    const outcome = await waitForHealthy({
      url: healthUrl(launch.endpoint, plan.healthPath),
      headers: launch.endpoint.headers,
      intervalMs: this.options.healthIntervalMs,
      deadlineMs: startDeadlineOf(launch, this.options.startDeadlineMs),
      signal: launch.exitController.signal,
      clock: this.clock,
      probe: this.options.healthProbe,
    });
    this.post(() => this.onHealthOutcome(launch, outcome));
  }

  /** Inside the queue. Returns null when the attempt is obsolete or could not spawn. */
  private async spawnChild(generation: number, attempt: number, plan: LaunchPlan): Promise<Launch | null> {
    if (generation !== this.generation || this.state !== 'starting') return null;
    let endpoint: RuntimeEndpoint;
    let child: RuntimeProcess;
    const spawnedAt = this.clock.now();
    try {
      endpoint = endpointFromPlan(plan);
      child = await this.spawnProcess({
        command: plan.command,
        args: plan.args,
        env: plan.env,
        cwd: plan.cwd,
        startsNoChildren: plan.startsNoChildren === true,
      });
    } catch (error) {
      this.fail(`could not launch: ${errorMessage(error)}`);
      return null;
    }
    const launch: Launch = {
      attempt,
      spawnedAt,
      plan,
      endpoint,
      child,
      exitController: new AbortController(),
      exit: null,
      stopRequested: false,
      killReason: null,
      forceKillTimer: null,
      launcherDone: false,
      livenessTimer: null,
      cancelAbruptExitStop: null,
    };
    this.launch = launch;
    for (const note of child.notes) this.note(note);
    // Secret flag values are redacted; the environment (where keys usually go) is never shown.
    this.note(`launch ${attempt}: ${showCommandLine(plan.command, plan.args)} (pid ${child.pid}) serving ${endpoint.baseUrl}`);
    this.captureOutput(child.stdout, 'stdout');
    this.captureOutput(child.stderr, 'stderr');
    void child.exited.then((exit) => this.onChildExited(launch, exit));
    return launch;
  }

  private captureOutput(stream: Readable, name: 'stdout' | 'stderr'): void {
    captureOutput({ stream, name, buffer: this.buffer, maxLineChars: this.maxLogLineChars, onError: (line) => this.note(line) });
  }

  /** Inside the queue. */
  private onHealthOutcome(launch: Launch, outcome: HealthOutcome): void {
    if (this.launch !== launch || this.state !== 'starting' || isGone(launch) || launch.stopRequested) return;
    if (outcome.healthy) {
      this.core.becomeReady(launch.endpoint, `health check passed after ${formatDuration(outcome.elapsedMs)}`);
      this.watchLiveness(launch);
      const detached = launch.plan.detached;
      if (detached !== undefined) {
        // The server runs outside our process groups: if the engine dies abruptly, the watchdog stops it.
        launch.cancelAbruptExitStop = this.atAbruptExit({ ...detached.stop, ...(launch.plan.env !== undefined ? { env: launch.plan.env } : {}) });
      }
      return;
    }
    if (outcome.cause === 'aborted') return; // the child exited: onChildExited handles it
    const last = outcome.lastProblem !== null ? ` (last check: ${outcome.lastProblem})` : '';
    launch.killReason = `no healthy answer within ${formatDuration(startDeadlineOf(launch, this.options.startDeadlineMs))}${last}`;
    if (launch.launcherDone) {
      // Nothing of ours is left to kill: the launcher is gone, the server never answered.
      this.onCrash(launch, launch.exit ?? { code: null, signal: null });
      return;
    }
    this.note(`${launch.killReason}; stopping the process`);
    launch.child.signalGroup('SIGTERM');
    launch.forceKillTimer = this.clock.setTimer(this.stopTimeoutMs, () => {
      if (launch.exit === null) launch.child.signalGroup('SIGKILL');
    });
  }

  // ------------------------------------------------------------ exits

  /** Runs as soon as the child is gone (not queued, so the exit event is prompt). */
  private onChildExited(launch: Launch, exit: ProcessExit): void {
    launch.exit = exit;
    if (launch.plan.detached !== undefined && exit.code === 0 && !launch.stopRequested && launch.killReason === null) {
      // The launcher did its job. Its group is left alone: the server may live in it.
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
    if (!launch.stopRequested) this.post(() => this.onCrash(launch, exit));
  }

  private emitExit(launch: Launch, exit: ProcessExit, expected: boolean): void {
    this.emit({
      type: 'exit',
      runtimeId: this.id,
      pid: launch.child.pid,
      code: exit.code,
      signal: exit.signal,
      expected,
      at: this.clock.now(),
    });
  }

  /** Inside the queue: an exit we did not ask for. */
  private onCrash(launch: Launch, exit: ProcessExit): void {
    if (this.launch !== launch || launch.stopRequested) return;
    this.launch = null;
    launch.livenessTimer?.cancel();
    launch.cancelAbruptExitStop?.();
    const now = this.clock.now();
    const lastExit = launch.killReason ?? this.describeCrash(launch, exit);
    this.lastError = lastExit;
    this.crashTimes = [...this.crashTimes.filter((at) => now - at < this.crashLimit.windowMs), now];
    const fatal = launch.killReason === null && exit.code !== null && (launch.plan.fatalExitCodes ?? []).includes(exit.code);
    const decision = decideRestart({
      crashTimes: this.crashTimes,
      now,
      backoff: this.backoff,
      crashLimit: this.crashLimit,
      lastExit,
      fatal,
    });
    if (decision.action === 'give-up') {
      this.fail(decision.reason);
      return;
    }
    this.restarts += 1;
    this.beginAttempt(decision.reason, decision.delayMs);
  }

  /** How the exit looked, with the last thing the process wrote to stderr (usually why it stopped). */
  private describeCrash(launch: Launch, exit: ProcessExit): string {
    const said = this.buffer
      .lines()
      .filter((line) => line.stream === 'stderr' && line.at >= launch.spawnedAt && line.line.trim() !== '')
      .at(-1)?.line.trim();
    if (said === undefined) return describeExit(exit);
    const shown = said.length > MAX_SAID_CHARS ? `${said.slice(0, MAX_SAID_CHARS)}…` : said;
    return `${describeExit(exit)}: "${shown}"`;
  }

  /** Inside the queue: SIGTERM the group, SIGKILL after stopTimeoutMs. Says how it ended. */
  private async terminate(launch: Launch): Promise<string> {
    launch.forceKillTimer?.cancel();
    if (!launch.child.signalGroup('SIGTERM')) {
      await this.exitWithin(launch, KILL_WAIT_MS);
      return 'process group was already gone';
    }
    if (await this.exitWithin(launch, this.stopTimeoutMs)) return 'exited after SIGTERM';
    this.note(`still running ${formatDuration(this.stopTimeoutMs)} after SIGTERM; sending SIGKILL to the process group`);
    launch.child.signalGroup('SIGKILL');
    if (await this.exitWithin(launch, KILL_WAIT_MS)) {
      return `killed with SIGKILL after ignoring SIGTERM for ${formatDuration(this.stopTimeoutMs)}`;
    }
    this.note(`process ${launch.child.pid} did not exit even after SIGKILL`);
    return 'SIGKILL sent but the process did not report its exit';
  }

  /** True when the child exits within `ms`. */
  private exitWithin(launch: Launch, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(ms, () => resolve(false));
      void launch.child.exited.then(() => {
        timer.cancel();
        resolve(true);
      });
    });
  }

  // ------------------------------------------------------------ liveness

  private livenessOf(launch: Launch): LivenessPolicy {
    const detached = launch.plan.detached;
    if (detached === undefined) return this.options.liveness ?? DEFAULT_LIVENESS;
    return {
      intervalMs: detached.livenessIntervalMs ?? DETACHED_LIVENESS.intervalMs,
      failures: detached.livenessFailures ?? DETACHED_LIVENESS.failures,
      timeoutMs: DETACHED_LIVENESS.timeoutMs,
    };
  }

  /** While ready: check health now and then; a run of misses is a crash. */
  private watchLiveness(launch: Launch): void {
    const generation = this.generation;
    launch.livenessTimer = watchLiveness({
      policy: this.livenessOf(launch),
      clock: this.clock,
      check: (timeoutMs) => this.probeOnce(launch, timeoutMs),
      isCurrent: () => generation === this.generation && this.launch === launch && !launch.stopRequested,
      onLost: (reason) => this.post(() => this.onUnresponsive(launch, generation, reason)),
    });
  }

  /** Inside the queue: a ready runtime stopped answering. Its own process is killed; the exit is the crash. */
  private onUnresponsive(launch: Launch, generation: number, reason: string): void {
    if (launch.plan.detached !== undefined) {
      this.onDetachedServerLost(launch, generation, reason);
      return;
    }
    if (generation !== this.generation || this.launch !== launch || launch.stopRequested || launch.exit !== null) return;
    launch.killReason = reason;
    this.note(`${reason}; killing process group ${launch.child.pid}`);
    launch.child.signalGroup('SIGKILL');
  }

  // --------------------------------------------------- detached launchers

  /** Inside the queue: the detached server went away while ready. */
  private onDetachedServerLost(launch: Launch, generation: number, reason: string): void {
    if (generation !== this.generation || this.launch !== launch || launch.stopRequested) return;
    launch.killReason = reason;
    this.note(reason);
    // A launcher still running has no server to hand over any more.
    if (launch.exit === null) launch.child.signalGroup('SIGTERM');
    this.onCrash(launch, launch.exit ?? { code: null, signal: null });
  }

  /** One health request; null when it answered 200, else what went wrong. */
  private probeOnce(launch: Launch, timeoutMs: number): Promise<string | null> {
    return checkHealthOnce({
      url: healthUrl(launch.endpoint, launch.plan.healthPath),
      headers: launch.endpoint.headers,
      timeoutMs,
      clock: this.clock,
      ...(this.options.healthProbe !== undefined ? { probe: this.options.healthProbe } : {}),
    });
  }

  /** Inside the queue: end the launcher if it still runs, run the stop command, wait for health to go down. */
  private async stopDetached(launch: Launch): Promise<string> {
    const detached = launch.plan.detached;
    if (detached === undefined) return 'not a detached launch';
    launch.stopRequested = true;
    launch.livenessTimer?.cancel();
    launch.exitController.abort(); // ends a start-up health poll at once
    if (launch.exit === null) await this.terminate(launch);

    launch.cancelAbruptExitStop?.();
    return runDetachedStop({
      stop: detached.stop,
      env: launch.plan.env,
      cwd: launch.plan.cwd,
      commandTimeoutMs: detached.stopCommandTimeoutMs ?? STOP_COMMAND_TIMEOUT_MS,
      downWithinMs: this.stopTimeoutMs,
      pollIntervalMs: this.options.healthIntervalMs,
      spawn: this.spawnProcess,
      clock: this.clock,
      probe: () => this.probeOnce(launch, DETACHED_LIVENESS.timeoutMs),
      capture: (child) => {
        this.captureOutput(child.stdout, 'stdout');
        this.captureOutput(child.stderr, 'stderr');
      },
      note: (line) => this.note(line),
    });
  }

  // ------------------------------------------------------ events and logs

  private emit(event: SupervisorEvent): void {
    this.core.emit(event);
  }

  private note(line: string): void {
    this.buffer.push('supervisor', line);
  }
}
