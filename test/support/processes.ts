import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True while a process with this pid runs. A zombie counts as dead: it has
 * exited and only waits to be reaped (PID 1 here does not reap orphans promptly).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch (err) {
    // No /proc (macOS): the signal probe above is all there is. Gone between the two checks: dead.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !readableProc();
  }
}

let procReadable: boolean | undefined;
function readableProc(): boolean {
  procReadable ??= (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })();
  return procReadable;
}

/** Poll until `check` holds or the deadline passes; returns whether it held. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Poll until `check` holds; throws naming `what` if it does not within `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  if (!(await waitFor(check, timeoutMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
