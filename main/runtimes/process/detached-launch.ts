/**
 * Detached launchers (`plan.detached`, e.g. LM Studio's `lms server start`):
 * the spawned command starts a server that runs on its own, then exits. So
 * the launcher's clean exit is expected, health misses while ready are the
 * only crash signal (polled more often), the watchdog must stop the server if
 * the engine dies abruptly, and stopping runs the plan's stop command instead
 * of signalling our child (detached-stop.ts), then waits for health to go down.
 */
import type { Clock } from './health.js';
import { DEFAULT_LIVENESS, DETACHED_LIVENESS, type LivenessPolicy } from './liveness.js';
import { runDetachedStop } from './detached-stop.js';
import type { ExitCommand } from './group-reaper.js';
import { terminateLaunch, type Launch } from './launch.js';
import type { ProcessExit, RuntimeProcess, SpawnRuntime } from './spawn.js';
import type { LaunchPlan } from '../types.js';

const STOP_COMMAND_TIMEOUT_MS = 30_000;

/** The launcher did its job: a detached launch's clean exit that nobody asked for. Its group is left alone: the server may live in it. */
export function launcherFinished(launch: Launch, exit: ProcessExit): boolean {
  return launch.plan.detached !== undefined && exit.code === 0 && !launch.stopRequested && launch.killReason === null;
}

/** Health checks while ready: the plan's detached settings, else the supervisor's policy. */
export function livenessFor(plan: LaunchPlan, fallback: LivenessPolicy | undefined): LivenessPolicy {
  const detached = plan.detached;
  if (detached === undefined) return fallback ?? DEFAULT_LIVENESS;
  return {
    intervalMs: detached.livenessIntervalMs ?? DETACHED_LIVENESS.intervalMs,
    failures: detached.livenessFailures ?? DETACHED_LIVENESS.failures,
    timeoutMs: DETACHED_LIVENESS.timeoutMs,
  };
}

/** Once ready: the server runs outside our process groups, so the watchdog runs the stop command if the engine dies abruptly. */
export function guardAbruptExit(launch: Launch, atAbruptExit: (command: ExitCommand) => () => void): void {
  const detached = launch.plan.detached;
  if (detached === undefined) return;
  launch.cancelAbruptExitStop = atAbruptExit({ ...detached.stop, ...(launch.plan.env !== undefined ? { env: launch.plan.env } : {}) });
}

export interface DetachedStopDeps {
  /** Grace time for the launcher after SIGTERM, and for health to go down after the stop command. */
  readonly stopTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly spawn: SpawnRuntime;
  readonly clock: Clock;
  /** One health request: null when it answered 200. */
  readonly probe: (timeoutMs: number) => Promise<string | null>;
  /** The stop command's output goes to the runtime's log. */
  readonly capture: (child: RuntimeProcess) => void;
  readonly note: (line: string) => void;
}

/** End the launcher if it still runs, run the stop command, wait for health to go down. Says how it went. */
export async function stopDetachedLaunch(launch: Launch, deps: DetachedStopDeps): Promise<string> {
  const detached = launch.plan.detached;
  if (detached === undefined) return 'not a detached launch';
  launch.stopRequested = true;
  launch.livenessTimer?.cancel();
  launch.exitController.abort(); // ends a start-up health poll at once
  if (launch.exit === null) await terminateLaunch(launch, { stopTimeoutMs: deps.stopTimeoutMs, clock: deps.clock, note: deps.note });

  launch.cancelAbruptExitStop?.();
  return runDetachedStop({
    stop: detached.stop,
    env: launch.plan.env,
    cwd: launch.plan.cwd,
    commandTimeoutMs: detached.stopCommandTimeoutMs ?? STOP_COMMAND_TIMEOUT_MS,
    downWithinMs: deps.stopTimeoutMs,
    pollIntervalMs: deps.pollIntervalMs,
    spawn: deps.spawn,
    clock: deps.clock,
    probe: () => deps.probe(DETACHED_LIVENESS.timeoutMs),
    capture: deps.capture,
    note: deps.note,
  });
}
