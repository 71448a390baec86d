/**
 * Spawning runtime processes so that none outlives Homeport.
 *
 * - Each runtime starts in its own process group (`detached: true`, so
 *   pgid = pid). Stopping signals the whole group, which also reaches
 *   helpers the runtime started itself (Ollama runners, vLLM workers).
 * - On Linux the command is prefixed with `setpriv --pdeathsig KILL --`, so
 *   the kernel kills the runtime if Homeport dies, even by SIGKILL. Where
 *   setpriv is missing the runtime is spawned plainly and a note says so.
 *   The signal reaches the runtime itself, not its own children: those die
 *   with the group on a normal stop, and after an abrupt death of Homeport
 *   the watchdog in group-reaper.ts kills whatever is left in the group.
 * - Every live group is tracked so the engine can kill them all
 *   synchronously from `process.on('exit')` with `killAllChildrenSync()`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGroupReaper, type ExitCommand } from './group-reaper.js';

const SETPRIV = '/usr/bin/setpriv';
/** After the process exits, wait at most this long for its output pipes to drain. */
const OUTPUT_DRAIN_MS = 250;

export interface SpawnRequest {
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment, merged over process.env. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * Clean up if we die abruptly: the kernel kills the child (Linux + setpriv)
   * and the watchdog (group-reaper.ts) kills what is left of its group.
   * Default true; false only to show what happens without (tests).
   */
  readonly parentDeathSignal?: boolean;
  /**
   * The process starts no processes of its own (the embedded worker): the
   * kernel's parent-death signal covers it alone, so no watchdog is needed
   * for it (the watchdog is a Node process of ~40 MB). Default false.
   */
  readonly startsNoChildren?: boolean;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RuntimeProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once the process exited and its output drained (drain wait is bounded). */
  readonly exited: Promise<ProcessExit>;
  /** Send `signal` to the whole process group; false when the group is gone. */
  signalGroup(signal: NodeJS.Signals): boolean;
  /** Things worth telling the user about this launch (e.g. no parent-death protection). */
  readonly notes: readonly string[];
}

/** How the supervisor spawns; injectable for tests. */
export type SpawnRuntime = (request: SpawnRequest) => Promise<RuntimeProcess>;

export class SpawnError extends Error {
  override readonly name = 'SpawnError';
}

const liveGroups = new Set<number>();
/** Kills what is left of live groups if this process dies without doing so itself. */
const reaper = createGroupReaper();
let setprivUsable: boolean | undefined;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `setpriv --pdeathsig` can be used here (checked once). */
export function hasParentDeathSupport(): boolean {
  setprivUsable ??= process.platform === 'linux' && isExecutable(SETPRIV);
  return setprivUsable;
}

/**
 * Find the executable the way a shell would, so a missing binary fails here
 * with a clear message instead of as an exit code from setpriv.
 */
export function resolveCommand(command: string, options: { cwd?: string; envPath?: string } = {}): string {
  if (command.includes('/') || command.includes(path.sep)) {
    const absolute = path.resolve(options.cwd ?? process.cwd(), command);
    if (isExecutable(absolute)) return absolute;
    throw new SpawnError(`cannot run ${command}: the file does not exist or is not executable`);
  }
  for (const dir of (options.envPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  throw new SpawnError(`cannot run ${command}: not found on PATH; install it or set its full path`);
}

/** Signal a process group; false when it no longer exists. */
export function killProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/**
 * Kill every runtime group we started that is still alive. Synchronous, for
 * `process.on('exit')` and fatal-error paths. Returns how many were signalled.
 */
export function killAllChildrenSync(signal: NodeJS.Signals = 'SIGKILL'): number {
  let signalled = 0;
  for (const pid of liveGroups) {
    if (killProcessGroup(pid, signal)) signalled += 1;
  }
  liveGroups.clear();
  return signalled;
}

/** Process ids of the runtime groups currently alive (for diagnostics and tests). */
export function liveGroupIds(): number[] {
  return [...liveGroups];
}

/**
 * Have the watchdog run `command` if this process dies without the chance to
 * (e.g. `lms server stop` for a server outside our process groups). Returns
 * the function that takes it back once the command is no longer needed.
 */
export function runAtAbruptExit(command: ExitCommand): () => void {
  return reaper.atAbruptExit(command);
}

/** The watchdog's pid, once one runs (tests). */
export function reaperPid(): number | undefined {
  return reaper.pid();
}

function waitForClose(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) resolve();
    else stream.once('close', () => resolve());
  });
}

export const spawnRuntimeProcess: SpawnRuntime = async (request) => {
  const env = { ...process.env, ...request.env };
  const executable = resolveCommand(request.command, { cwd: request.cwd, envPath: env.PATH });
  const notes: string[] = [];

  let command = executable;
  let args: string[] = [...request.args];
  if (request.parentDeathSignal !== false) {
    if (hasParentDeathSupport()) {
      args = ['--pdeathsig', 'KILL', '--', executable, ...args];
      command = SETPRIV;
    } else {
      notes.push(
        `parent-death protection unavailable (${SETPRIV} not found on ${process.platform}); ` +
          'if Homeport is killed abruptly this runtime may keep running',
      );
    }
  }

  const child = spawn(command, args, {
    cwd: request.cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  return new Promise<RuntimeProcess>((resolve, reject) => {
    child.once('error', (error) => {
      // Only reachable before 'spawn': afterwards the listener below takes over.
      reject(new SpawnError(`cannot run ${request.command}: ${error.message}`));
    });
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) {
        reject(new SpawnError(`cannot run ${request.command}: no process id`));
        return;
      }
      child.removeAllListeners('error');
      child.on('error', (error) => notes.push(`process error: ${error.message}`));
      liveGroups.add(pid);
      if (request.parentDeathSignal !== false && request.startsNoChildren !== true) reaper.watch(pid);

      const exited = new Promise<ProcessExit>((resolveExit) => {
        child.once('exit', (code, signal) => {
          // Stay registered until the output drained: helpers left in the
          // group are still reachable by killAllChildrenSync meanwhile.
          const drained = Promise.all([waitForClose(child.stdout), waitForClose(child.stderr)]);
          let drainTimer: NodeJS.Timeout | undefined;
          const drainCap = new Promise<void>((done) => {
            drainTimer = setTimeout(done, OUTPUT_DRAIN_MS);
            drainTimer.unref();
          });
          void Promise.race([drained, drainCap]).then(() => {
            clearTimeout(drainTimer);
            liveGroups.delete(pid);
            reaper.forget(pid);
            resolveExit({ code, signal });
          });
        });
      });

      resolve({
        pid,
        stdout: child.stdout,
        stderr: child.stderr,
        exited,
        signalGroup: (signal) => killProcessGroup(pid, signal),
        notes,
      });
    });
  });
};
