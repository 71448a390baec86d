/**
 * One launch attempt of a supervised runtime: the spawned child, where it
 * serves, and what the supervisor has learned about it since (its exit, a
 * stop on purpose, a kill for a reason). `spawnLaunch` spawns the plan's
 * command and wires the child's output into the runtime's log;
 * `terminateLaunch` ends it (SIGTERM to the group, SIGKILL after a grace
 * time) and says how it ended.
 */
import type { Clock, TimerHandle } from './health.js';
import type { LogBuffer } from './log-buffer.js';
import { captureOutput } from './output-capture.js';
import { showCommandLine } from './redact-args.js';
import { formatDuration } from './restart-policy.js';
import type { ProcessExit, RuntimeProcess, SpawnRuntime } from './spawn.js';
import type { LaunchPlan, RuntimeEndpoint } from '../types.js';

/** How long to wait for a SIGKILLed group leader to be reported gone. */
const KILL_WAIT_MS = 5_000;

/** One spawned child and what we know about it. */
export interface Launch {
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
  /** Set when we kill it for a reason (missed start deadline, unresponsive): its exit is then a crash with that reason. */
  killReason: string | null;
  forceKillTimer: TimerHandle | null;
  /** Detached launcher that exited cleanly: the server lives on without it. */
  launcherDone: boolean;
  /** The pending liveness poll while ready. */
  livenessTimer: TimerHandle | null;
  /** Detached launcher, server up: takes back the stop command the watchdog would run if the engine died. */
  cancelAbruptExitStop: (() => void) | null;
}

export function endpointFromPlan(plan: LaunchPlan): RuntimeEndpoint {
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

export function healthUrlOf(launch: Launch): string {
  const { healthPath } = launch.plan;
  return `${launch.endpoint.baseUrl}${healthPath.startsWith('/') ? '' : '/'}${healthPath}`;
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`;
}

/** Gone for good: exited, and not a detached launcher that finished its job. */
export function isGone(launch: Launch): boolean {
  return launch.exit !== null && !launch.launcherDone;
}

/** How long this launch may take to answer health: the plan's own bound, else the supervisor's. */
export function startDeadlineOf(launch: Launch, fallbackMs: number): number {
  return launch.plan.startDeadlineMs ?? fallbackMs;
}

export interface SpawnLaunchOptions {
  readonly attempt: number;
  readonly plan: LaunchPlan;
  readonly spawn: SpawnRuntime;
  readonly clock: Clock;
  /** The runtime's log: the child's stdout and stderr go here, line by line. */
  readonly buffer: LogBuffer;
  readonly maxLogLineChars: number;
  readonly note: (line: string) => void;
  /** Called once the child is gone (not queued: the exit is reported promptly). */
  readonly onExit: (launch: Launch, exit: ProcessExit) => void;
}

/** Spawn the plan's command; throws when the plan is unusable or the command cannot start. */
export async function spawnLaunch(options: SpawnLaunchOptions): Promise<Launch> {
  const { plan, attempt } = options;
  const spawnedAt = options.clock.now();
  const endpoint = endpointFromPlan(plan);
  const child = await options.spawn({
    command: plan.command,
    args: plan.args,
    env: plan.env,
    cwd: plan.cwd,
    startsNoChildren: plan.startsNoChildren === true,
  });
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
  for (const note of child.notes) options.note(note);
  // Secret flag values are redacted; the environment (where keys usually go) is never shown.
  options.note(`launch ${attempt}: ${showCommandLine(plan.command, plan.args)} (pid ${child.pid}) serving ${endpoint.baseUrl}`);
  captureChildOutput(child, options);
  void child.exited.then((exit) => options.onExit(launch, exit));
  return launch;
}

/** A child's stdout and stderr into the runtime's log. */
export function captureChildOutput(child: Pick<RuntimeProcess, 'stdout' | 'stderr'>, options: Pick<SpawnLaunchOptions, 'buffer' | 'maxLogLineChars' | 'note'>): void {
  for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
    captureOutput({ stream, name, buffer: options.buffer, maxLineChars: options.maxLogLineChars, onError: options.note });
  }
}

export interface TerminateOptions {
  /** SIGTERM, wait this long, then SIGKILL the group. */
  readonly stopTimeoutMs: number;
  readonly clock: Clock;
  readonly note: (line: string) => void;
}

/** SIGTERM the group, SIGKILL after stopTimeoutMs. Says how it ended. */
export async function terminateLaunch(launch: Launch, options: TerminateOptions): Promise<string> {
  const { stopTimeoutMs, clock } = options;
  launch.forceKillTimer?.cancel();
  if (!launch.child.signalGroup('SIGTERM')) {
    await exitWithin(launch, KILL_WAIT_MS, clock);
    return 'process group was already gone';
  }
  if (await exitWithin(launch, stopTimeoutMs, clock)) return 'exited after SIGTERM';
  options.note(`still running ${formatDuration(stopTimeoutMs)} after SIGTERM; sending SIGKILL to the process group`);
  launch.child.signalGroup('SIGKILL');
  if (await exitWithin(launch, KILL_WAIT_MS, clock)) {
    return `killed with SIGKILL after ignoring SIGTERM for ${formatDuration(stopTimeoutMs)}`;
  }
  options.note(`process ${launch.child.pid} did not exit even after SIGKILL`);
  return 'SIGKILL sent but the process did not report its exit';
}

/** True when the child exits within `ms`. */
function exitWithin(launch: Launch, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(ms, () => resolve(false));
    void launch.child.exited.then(() => {
      timer.cancel();
      resolve(true);
    });
  });
}
