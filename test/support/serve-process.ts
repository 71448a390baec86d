import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVE = fileURLToPath(new URL('../../main/serve.ts', import.meta.url));

export interface ServeProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches, rejects if the process exits first or the time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `homeport serve ...` as a real process, as a user would run it. */
export function runServe(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern}; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const check = () => {
          const match = out.match(pattern);
          if (match) done(null, match);
        };
        const onExit = () => done(new Error(`serve exited before ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
        function done(error: Error | null, match?: RegExpMatchArray) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(match!);
        }
        child.stdout!.on('data', check);
        child.on('exit', onExit);
        check();
      });
    },
  };
}
