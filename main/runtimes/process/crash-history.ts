/**
 * A supervised runtime's crashes since its last explicit start: when they
 * happened (for the crash limit's window) and how many restarts followed.
 * `record` notes one crash and asks the pure restart policy what to do;
 * `describeCrash` says how the exit looked, with the last thing the process
 * wrote to stderr (usually why it stopped).
 */
import { decideRestart, type BackoffPolicy, type CrashLimit, type RestartDecision } from './restart-policy.js';
import { describeExit } from './launch.js';
import type { ProcessExit } from './spawn.js';
import type { LogLine } from '../types.js';

/** A crash reason quotes at most this much of the runtime's last stderr line. */
const MAX_SAID_CHARS = 300;

export class CrashHistory {
  private crashTimes: number[] = [];
  private restartCount = 0;

  constructor(private readonly policy: { readonly backoff: BackoffPolicy; readonly crashLimit: CrashLimit }) {}

  /** Restarts after crashes since the last reset. */
  get restarts(): number {
    return this.restartCount;
  }

  /** A fresh start: no crashes, no restarts. */
  reset(): void {
    this.crashTimes = [];
    this.restartCount = 0;
  }

  /** One crash at `now`; a `restart` decision counts as a restart. */
  record(crash: { readonly now: number; readonly lastExit: string; readonly fatal: boolean }): RestartDecision {
    const { now } = crash;
    this.crashTimes = [...this.crashTimes.filter((at) => now - at < this.policy.crashLimit.windowMs), now];
    const decision = decideRestart({ crashTimes: this.crashTimes, now, ...this.policy, lastExit: crash.lastExit, fatal: crash.fatal });
    if (decision.action !== 'give-up') this.restartCount += 1;
    return decision;
  }
}

/**
 * How the exit looked, with the last non-empty stderr line written since `since`. A SIGKILL Homeport did not send
 * came from outside (the kernel's out-of-memory killer, a user): whatever the process last wrote is not why.
 */
export function describeCrash(lines: readonly LogLine[], since: number, exit: ProcessExit): string {
  if (exit.signal === 'SIGKILL') return `${describeExit(exit)} (killed from outside Homeport: the system's out-of-memory killer or a user)`;
  const said = lines
    .filter((line) => line.stream === 'stderr' && line.at >= since && line.line.trim() !== '')
    .at(-1)?.line.trim();
  if (said === undefined) return describeExit(exit);
  const shown = said.length > MAX_SAID_CHARS ? `${said.slice(0, MAX_SAID_CHARS)}…` : said;
  return `${describeExit(exit)}: "${shown}"`;
}

/** An exit code the plan names as fatal (retrying cannot help), unless we killed it ourselves. */
export function isFatalExit(plan: { readonly fatalExitCodes?: readonly number[] }, exit: ProcessExit, killedByUs: boolean): boolean {
  return !killedByUs && exit.code !== null && (plan.fatalExitCodes ?? []).includes(exit.code);
}
