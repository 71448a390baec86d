import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAlive, waitUntil } from '../../support/processes.js';
import { allocatePort } from '../../../main/runtimes/process/ports.js';
import {
  SpawnError,
  hasParentDeathSupport,
  killAllChildrenSync,
  liveGroupIds,
  resolveCommand,
  spawnRuntimeProcess,
} from '../../../main/runtimes/process/spawn.js';
import type { RuntimeProcess } from '../../../main/runtimes/process/spawn.js';
import { REAPER_GRACE_MS, REAPER_TITLE } from '../../../main/runtimes/process/group-reaper.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FAKE_RUNTIME = path.join(ROOT, 'test/fixtures/fake-runtime.ts');
const SPAWN_MODULE = path.join(ROOT, 'main/runtimes/process/spawn.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'homeport-spawn-'));
const started: RuntimeProcess[] = [];

afterEach(() => {
  for (const child of started.splice(0)) child.signalGroup('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}



function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state ppid pgrp ...
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[2]);
}

function stateLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

function grandchildPid(file: string): number | null {
  const line = stateLines(file).find((entry) => entry.startsWith('grandchild '));
  return line === undefined ? null : Number(line.split(' ')[2]);
}

async function startFake(flags: string[]): Promise<{ child: RuntimeProcess; stateFile: string; port: number }> {
  const port = await allocatePort();
  const stateFile = path.join(tmp, `state-${port}.log`);
  const child = await spawnRuntimeProcess({
    command: process.execPath,
    args: ['--import', 'tsx', FAKE_RUNTIME, '--port', String(port), '--state-file', stateFile, ...flags],
    cwd: ROOT,
  });
  started.push(child);
  return { child, stateFile, port };
}

function collect(child: RuntimeProcess): () => string {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

describe('spawnRuntimeProcess', () => {
  it('has setpriv for parent-death protection on this machine', () => {
    // The parent-death test below relies on it; a missing setpriv must fail, not skip.
    expect(existsSync('/usr/bin/setpriv')).toBe(true);
    expect(hasParentDeathSupport()).toBe(true);
  });

  it('starts the child as the leader of its own process group and reports its exit', async () => {
    const { child } = await startFake(['--log', 'hello from fake', '--crash-after', '300', '--exit-code', '7']);
    const output = collect(child);
    expect(processGroupOf(child.pid)).toBe(child.pid);
    expect(processGroupOf(child.pid)).not.toBe(processGroupOf(process.pid));
    expect(liveGroupIds()).toContain(child.pid);
    await expect(child.exited).resolves.toEqual({ code: 7, signal: null });
    expect(output()).toContain('hello from fake');
    expect(output()).toContain('crashing with code 7');
    expect(liveGroupIds()).not.toContain(child.pid);
  });

  it('kills the whole group, grandchild included', async () => {
    const { child, stateFile } = await startFake(['--spawn-grandchild', '--ignore-sigterm']);
    await waitUntil(() => grandchildPid(stateFile) !== null, 10_000, 'the grandchild to start');
    const grandchild = grandchildPid(stateFile) ?? -1;
    expect(isAlive(grandchild)).toBe(true);
    expect(processGroupOf(grandchild)).toBe(child.pid);

    expect(child.signalGroup('SIGKILL')).toBe(true);
    await expect(child.exited).resolves.toEqual({ code: null, signal: 'SIGKILL' });
    await waitUntil(() => !isAlive(grandchild), 3_000, 'the grandchild to die');
  });

  it('killAllChildrenSync kills every live group at once', async () => {
    const first = await startFake([]);
    const second = await startFake([]);
    await waitUntil(() => stateLines(first.stateFile).length > 0 && stateLines(second.stateFile).length > 0, 10_000, 'both children');
    expect(killAllChildrenSync()).toBeGreaterThanOrEqual(2);
    await expect(first.child.exited).resolves.toMatchObject({ signal: 'SIGKILL' });
    await expect(second.child.exited).resolves.toMatchObject({ signal: 'SIGKILL' });
    expect(liveGroupIds()).toEqual([]);
  });

  it('reports a signal to a gone group as false', async () => {
    const { child } = await startFake(['--crash-after', '0']);
    await child.exited;
    expect(child.signalGroup('SIGTERM')).toBe(false);
  });

  it('rejects a missing command with a clear SpawnError', async () => {
    await expect(
      spawnRuntimeProcess({ command: 'homeport-no-such-binary', args: [] }),
    ).rejects.toThrow(/homeport-no-such-binary: not found on PATH/);
    await expect(spawnRuntimeProcess({ command: './nope/missing', args: [], cwd: tmp })).rejects.toBeInstanceOf(SpawnError);
  });

  it('resolves commands on PATH and relative to cwd', () => {
    expect(resolveCommand('node', { envPath: path.dirname(process.execPath) })).toBe(process.execPath);
    // Like a shell: a bare name is looked up on PATH only, never in cwd.
    expect(() => resolveCommand(path.basename(process.execPath), { cwd: path.dirname(process.execPath), envPath: '' })).toThrow(
      SpawnError,
    );
    expect(resolveCommand(`./${path.basename(process.execPath)}`, { cwd: path.dirname(process.execPath) })).toBe(
      process.execPath,
    );
  });
});

/** Spawn an engine-like intermediate that starts a fake runtime through spawn.ts and idles. */
async function spawnViaIntermediate(
  parentDeathSignal: boolean,
  extraFlags: readonly string[] = [],
): Promise<{ intermediate: ChildProcess; runtimePid: number; stateFile: string }> {
  const port = await allocatePort();
  const stateFile = path.join(tmp, `orphan-${port}.log`);
  const script = `
    const { spawnRuntimeProcess } = await import(${JSON.stringify(pathToFileURL(SPAWN_MODULE).href)});
    const child = await spawnRuntimeProcess({
      command: process.execPath,
      args: ['--import', 'tsx', ${JSON.stringify(FAKE_RUNTIME)}, '--port', '${port}', '--state-file', ${JSON.stringify(stateFile)}, ...${JSON.stringify(extraFlags)}],
      cwd: ${JSON.stringify(ROOT)},
      parentDeathSignal: ${parentDeathSignal},
    });
    process.stdout.write(JSON.stringify({ pid: child.pid }) + '\\n');
    setInterval(() => {}, 60_000);
  `;
  const intermediate = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  intermediates.push(intermediate);
  const runtimePid = await new Promise<number>((resolve, reject) => {
    let text = '';
    intermediate.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const newline = text.indexOf('\n');
      if (newline !== -1) resolve((JSON.parse(text.slice(0, newline)) as { pid: number }).pid);
    });
    intermediate.once('exit', (code) => reject(new Error(`intermediate exited early with code ${code}`)));
  });
  orphanCandidates.push(runtimePid);
  await waitUntil(() => stateLines(stateFile).some((line) => line.startsWith('listening')), 10_000, 'the runtime to listen');
  return { intermediate, runtimePid, stateFile };
}

const intermediates: ChildProcess[] = [];
const orphanCandidates: number[] = [];

describe('parent death', () => {
  afterEach(() => {
    for (const intermediate of intermediates.splice(0)) intermediate.kill('SIGKILL');
    // Each candidate leads its group; the group outlives its leader while a member (e.g. a grandchild) lives.
    for (const pid of orphanCandidates.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  it('kills the runtime when the process that spawned it is SIGKILLed', async () => {
    const { intermediate, runtimePid } = await spawnViaIntermediate(true);
    expect(isAlive(runtimePid)).toBe(true);
    intermediate.kill('SIGKILL');
    await waitUntil(() => !isAlive(runtimePid), 5_000, 'the orphaned runtime to die');
  });

  it("also kills the runtime's own children (Ollama runners, vLLM workers) when that process is SIGKILLed", async () => {
    // The grandchild ignores SIGTERM, so this also proves the watchdog's SIGKILL after the grace period.
    const { intermediate, runtimePid, stateFile } = await spawnViaIntermediate(true, ['--spawn-grandchild', '--ignore-sigterm']);
    await waitUntil(() => grandchildPid(stateFile) !== null, 10_000, 'the grandchild to start');
    const grandchild = grandchildPid(stateFile) ?? -1;
    expect(processGroupOf(grandchild)).toBe(runtimePid);
    intermediate.kill('SIGKILL');
    await waitUntil(() => !isAlive(runtimePid), 5_000, 'the runtime to die');
    await waitUntil(() => !isAlive(grandchild), REAPER_GRACE_MS + 3_000, "the runtime's own child to die");
  });

  it('the watchdog never keeps the engine alive, and leaves with it after a clean stop', async () => {
    const port = await allocatePort();
    const script = `
      const { spawnRuntimeProcess, reaperPid } = await import(${JSON.stringify(pathToFileURL(SPAWN_MODULE).href)});
      const child = await spawnRuntimeProcess({
        command: process.execPath,
        args: ['--import', 'tsx', ${JSON.stringify(FAKE_RUNTIME)}, '--port', '${port}'],
        cwd: ${JSON.stringify(ROOT)},
      });
      process.stdout.write(JSON.stringify({ runtime: child.pid, reaper: reaperPid() }) + '\\n');
      child.signalGroup('SIGTERM');
      await child.exited;
      // Nothing else to do: the process must now exit on its own.
    `;
    const engine = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    intermediates.push(engine);
    let out = '';
    engine.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = await new Promise<number | null>((resolve) => engine.once('exit', resolve));
    expect(exit).toBe(0);
    const { runtime, reaper } = JSON.parse(out.trim()) as { runtime: number; reaper: number };
    orphanCandidates.push(runtime);
    expect(reaper).toBeGreaterThan(0);
    expect(processGroupOf(reaper)).toBe(reaper); // its own group: a Ctrl-C for the engine does not reach it
    await waitUntil(() => !isAlive(reaper), 3_000, 'the watchdog to leave');
  });

  it('runs the stop commands registered for servers outside its groups when the engine dies, and not the ones taken back', async () => {
    const kept = path.join(tmp, `kept-${Date.now()}.txt`);
    const takenBack = path.join(tmp, `taken-back-${Date.now()}.txt`);
    const writer = (file: string) => ({ command: process.execPath, args: ['-e', `require('node:fs').writeFileSync(${JSON.stringify(file)}, process.env.STOP_NOTE ?? '')`], env: { STOP_NOTE: 'stopped by the watchdog' } });
    const script = `
      const { runAtAbruptExit, reaperPid } = await import(${JSON.stringify(pathToFileURL(SPAWN_MODULE).href)});
      runAtAbruptExit(${JSON.stringify(writer(kept))});
      const cancel = runAtAbruptExit(${JSON.stringify(writer(takenBack))});
      cancel();
      process.stdout.write(String(reaperPid()) + '\\n');
      setInterval(() => {}, 60_000);
    `;
    const engine = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    intermediates.push(engine);
    const reaper = await new Promise<number>((resolve) => engine.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    // Recognisable in ps once it has started.
    await waitUntil(() => readFileSync(`/proc/${reaper}/cmdline`, 'utf8').startsWith(REAPER_TITLE), 5_000, 'the watchdog to name itself');
    expect(existsSync(kept)).toBe(false);
    engine.kill('SIGKILL');
    await waitUntil(() => existsSync(kept), 5_000, 'the registered stop command to run');
    expect(readFileSync(kept, 'utf8')).toBe('stopped by the watchdog');
    await delay(300);
    expect(existsSync(takenBack)).toBe(false);
  });

  it('control: without the parent-death signal the runtime would be orphaned', async () => {
    const { intermediate, runtimePid } = await spawnViaIntermediate(false);
    intermediate.kill('SIGKILL');
    await new Promise((resolve) => intermediate.once('exit', resolve));
    await delay(500);
    expect(isAlive(runtimePid)).toBe(true);
  });
});
