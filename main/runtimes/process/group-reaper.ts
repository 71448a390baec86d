/**
 * Cleans up after Homeport when it dies without the chance to do so itself.
 *
 * `setpriv --pdeathsig` (spawn.ts) makes the kernel kill a runtime when the
 * engine dies, even by SIGKILL, but only the runtime itself: what it started
 * (Ollama's model runners, vLLM's workers) is reparented and keeps running,
 * holding memory and GPU. So the engine also keeps one small watchdog
 * process. It is told, over a pipe, which runtime process groups exist
 * (`+PGID` / `-PGID` lines). When the pipe closes — the engine exited or was
 * killed — it sends SIGTERM to every group still listed, SIGKILL to what is
 * left after a grace period, and exits. On a normal exit the engine has
 * already stopped its runtimes and the watchdog finds nothing to do.
 *
 * Servers that do not run in a group of ours (LM Studio's, started by
 * `lms server start`) are stopped by a command instead: the engine registers
 * it (`!{json}` / `~id`) while such a server runs, and the watchdog runs what
 * is registered (bounded in time) before it exits.
 *
 * The watchdog runs in its own process group (a Ctrl-C meant for the engine
 * does not reach it) and is unref'd (it never keeps the engine alive). Its
 * code is passed with `-e`, so it needs no file on disk (and works the same
 * from source, from the build and from a packaged app). Not on Windows,
 * which has no process groups of this kind.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How long the watchdog waits after SIGTERM before SIGKILL. */
export const REAPER_GRACE_MS = 2_000;
/** How long a registered stop command may run before it is killed. */
export const REAPER_COMMAND_TIMEOUT_MS = 15_000;

/** What `ps` shows for the watchdog. */
export const REAPER_TITLE = 'homeport-watchdog';

const REAPER_SOURCE = `
process.title = '${REAPER_TITLE}';
const { spawn } = require('node:child_process');
const groups = new Set();
const commands = new Map();
let pending = '';
const alive = (g) => { try { process.kill(-g, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const signal = (g, s) => { try { process.kill(-g, s); } catch {} };
let reaping = false;
function runCommand(c) {
  return new Promise((done) => {
    let child;
    try {
      child = spawn(c.command, c.args, { stdio: 'ignore', env: { ...process.env, ...c.env } });
    } catch { done(); return; }
    const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch {} }, ${REAPER_COMMAND_TIMEOUT_MS});
    child.once('error', () => { clearTimeout(timer); done(); });
    child.once('exit', () => { clearTimeout(timer); done(); });
  });
}
async function reap() {
  if (reaping) return;
  reaping = true;
  await Promise.all([...commands.values()].map(runCommand));
  const left = [...groups].filter(alive);
  if (left.length === 0) process.exit(0);
  for (const g of left) signal(g, 'SIGTERM');
  const deadline = Date.now() + ${REAPER_GRACE_MS};
  setInterval(() => {
    const still = left.filter(alive);
    if (still.length > 0 && Date.now() < deadline) return;
    for (const g of still) signal(g, 'SIGKILL');
    process.exit(0);
  }, 50);
}
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  pending += text;
  for (let nl = pending.indexOf('\\n'); nl !== -1; nl = pending.indexOf('\\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line[0] === '!') {
      try { const c = JSON.parse(line.slice(1)); commands.set(c.id, c); } catch {}
      continue;
    }
    if (line[0] === '~') { commands.delete(line.slice(1)); continue; }
    const group = Number(line.slice(1));
    if (!Number.isInteger(group) || group <= 1) continue;
    if (line[0] === '+') groups.add(group);
    else if (line[0] === '-') groups.delete(group);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
`;

/** A command the watchdog runs if the engine dies without running it itself (e.g. `lms server stop`). */
export interface ExitCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the environment the engine had when the watchdog started. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface GroupReaper {
  /** A runtime process group now exists. */
  watch(pgid: number): void;
  /** The group is gone (or no longer ours to clean up). */
  forget(pgid: number): void;
  /** Run `command` if the engine dies abruptly; the returned function takes it back. */
  atAbruptExit(command: ExitCommand): () => void;
  /** The watchdog's pid, once started (for diagnostics and tests). */
  pid(): number | undefined;
}

/**
 * The watchdog, started on the first `watch`. If it dies, the next `watch`
 * starts a new one and hands it every group still listed.
 */
export function createGroupReaper(options: { readonly execPath?: string } = {}): GroupReaper {
  const groups = new Set<number>();
  const commands = new Map<string, ExitCommand & { readonly id: string }>();
  let nextCommandId = 1;
  let child: ChildProcess | undefined;

  const send = (line: string): void => {
    if (child?.stdin?.writable) child.stdin.write(`${line}\n`);
  };

  const start = (): void => {
    const started = spawn(options.execPath ?? process.execPath, ['-e', REAPER_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      // Inside Electron, process.execPath is the Electron binary: make it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    const forgetChild = (): void => {
      if (child === started) child = undefined;
    };
    started.once('error', forgetChild);
    started.once('exit', forgetChild);
    started.stdin?.on('error', forgetChild);
    started.unref();
    (started.stdin as { unref?: () => void } | null)?.unref?.();
    child = started;
    for (const pgid of groups) send(`+${pgid}`);
    for (const command of commands.values()) send(`!${JSON.stringify(command)}`);
  };
  /** Tells a running watchdog about one change; a new watchdog gets the whole state from start(). */
  const deliver = (line: string): void => {
    if (process.platform === 'win32') return;
    if (child === undefined) start();
    else send(line);
  };

  return {
    watch(pgid) {
      if (groups.has(pgid)) return;
      groups.add(pgid);
      deliver(`+${pgid}`);
    },
    forget(pgid) {
      if (!groups.delete(pgid)) return;
      send(`-${pgid}`);
    },
    atAbruptExit(command) {
      const entry = { id: String(nextCommandId++), command: command.command, args: [...command.args], env: { ...command.env } };
      commands.set(entry.id, entry);
      deliver(`!${JSON.stringify(entry)}`);
      return () => {
        if (commands.delete(entry.id)) send(`~${entry.id}`);
      };
    },
    pid: () => child?.pid,
  };
}
