/**
 * Stopping a server started by a detached launcher (LM Studio's `lms server
 * start`): the server is not our child, so stopping runs the plan's stop
 * command (bounded in time, killed when it hangs), then waits for health to
 * stop answering. Says how it went, for the log.
 */
import type { Clock } from './health.js';
import { formatDuration } from './restart-policy.js';
import type { RuntimeProcess, SpawnRuntime } from './spawn.js';

export interface DetachedStopOptions {
  readonly stop: { readonly command: string; readonly args: readonly string[] };
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly cwd: string | undefined;
  /** The stop command is killed after this long. */
  readonly commandTimeoutMs: number;
  /** How long health may keep answering after the stop command. */
  readonly downWithinMs: number;
  readonly pollIntervalMs: number;
  readonly spawn: SpawnRuntime;
  readonly clock: Clock;
  /** One health request: null when it answered 200, else what went wrong. */
  readonly probe: () => Promise<string | null>;
  /** The stop command's output goes to the runtime's log. */
  readonly capture: (child: RuntimeProcess) => void;
  readonly note: (line: string) => void;
}

export async function runDetachedStop(options: DetachedStopOptions): Promise<string> {
  const { stop, clock } = options;
  const shown = `${stop.command} ${stop.args.join(' ')}`;
  let ran: string;
  try {
    const child = await options.spawn({ command: stop.command, args: stop.args, env: options.env, cwd: options.cwd });
    options.note(`running \`${shown}\` (pid ${child.pid})`);
    options.capture(child);
    const exit = await within(clock, child.exited, options.commandTimeoutMs);
    if (exit === null) {
      child.signalGroup('SIGKILL');
      ran = `\`${shown}\` did not finish within ${formatDuration(options.commandTimeoutMs)} and was killed`;
    } else {
      ran = `\`${shown}\` exited (${exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`})`;
    }
  } catch (error) {
    ran = `could not run \`${shown}\`: ${error instanceof Error ? error.message : String(error)}`;
  }
  const down = await healthGoesDown(options);
  return `${ran}; ${down ? 'the server no longer answers' : `the server still answered health checks ${formatDuration(options.downWithinMs)} later`}`;
}

/** What `promise` resolves to, or null when that takes longer than `ms`. */
function within<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(ms, () => resolve(null));
    void promise.then((value) => {
      timer.cancel();
      resolve(value);
    });
  });
}

/** True once health stops answering 200 within `downWithinMs`. */
async function healthGoesDown(options: DetachedStopOptions): Promise<boolean> {
  const until = options.clock.now() + options.downWithinMs;
  for (;;) {
    if ((await options.probe()) !== null) return true;
    if (options.clock.now() >= until) return false;
    await new Promise<void>((resolve) => options.clock.setTimer(options.pollIntervalMs, resolve));
  }
}
