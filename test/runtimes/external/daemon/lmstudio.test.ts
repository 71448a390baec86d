/**
 * LM Studio as Homeport runs it, against the `lms` double: the server is
 * started with the detached launcher `lms server start` (a Supervisor that
 * judges readiness and liveness by health and stops with `lms server stop`),
 * and models are loaded and unloaded with `lms load` / `lms unload`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { DaemonModelRuntime } from '../../../../main/runtimes/external/daemon/model-runtime.js';
import { spawnLmStudioOwner } from '../../../../main/runtimes/external/daemon/owner.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { killAllChildrenSync } from '../../../../main/runtimes/process/spawn.js';
import type { Supervisor } from '../../../../main/runtimes/process/supervisor.js';
import type { RuntimeEvent } from '../../../../main/runtimes/types.js';
import { doubleBin } from '../../../fixtures/doubles/harness.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import { cliEnv, detected, detections, removeTempDirs, spawnWithEnv, tempDir, waitFor } from '../fleet/support.js';

const homes: string[] = [];
const fleets: RuntimeFleet[] = [];
const owners: Supervisor[] = [];

function serverPid(home: string): number | null {
  const info = path.join(home, '.internal', 'double-server.json');
  return existsSync(info) ? (JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid : null;
}

afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  await Promise.all(owners.splice(0).map((owner) => owner.stop()));
  killAllChildrenSync();
  // The server double runs detached from lms: make sure none is left.
  for (const home of homes.splice(0)) {
    const pid = serverPid(home);
    if (pid === null) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(removeTempDirs);

function lmsHome(): { home: string; record: string; env: Record<string, string> } {
  const home = tempDir('hp-lms-');
  homes.push(home);
  const record = path.join(home, 'record.jsonl');
  return { home, record, env: { HOMEPORT_DOUBLE_LMS_HOME: home, HOMEPORT_DOUBLE_RECORD: record } };
}

/** argv of every `lms` invocation, in order. */
function lmsCalls(record: string): string[][] {
  return readRecord(record).flatMap((e) => (e.kind === 'start' && e.runtime === 'lms' ? [[...e.argv]] : []));
}

async function greets(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/lmstudio-greeting`, { signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { lmstudio?: unknown }).lmstudio === true;
  } catch {
    return false;
  }
}

async function v0State(baseUrl: string, key: string): Promise<string | undefined> {
  const body = (await (await fetch(`${baseUrl}/api/v0/models`)).json()) as { data: Array<{ id: string; state: string }> };
  return body.data.find((m) => m.id === key)?.state;
}

describe('LM Studio started by Homeport', () => {
  it('starts with `lms server start`, loads and unloads with lms, and stops with `lms server stop`', async () => {
    const { record, env } = lmsHome();
    const fleet = await buildFleet({
      config: runtimesConfigSchema.parse({ llamaServer: { mode: 'off' }, ollama: { mode: 'off' }, vllm: { mode: 'off' }, lmstudio: { mode: 'auto', contextLength: 8192 } }),
      detection: detections({ lmstudio: detected('lmstudio') }),
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
      supervisor: { spawn: spawnWithEnv(env), stopTimeoutMs: 5_000 },
      env: cliEnv(env),
      timing: { daemon: { pollIntervalMs: 50 } },
    });
    fleets.push(fleet);
    const owner = fleet.owners[0];
    expect(owner).toMatchObject({ kind: 'lmstudio', attached: false });
    const snapshot = owner!.runtime.snapshot();
    expect(snapshot.state).toBe('ready');
    const baseUrl = snapshot.baseUrl!;
    expect(lmsCalls(record)[0]).toEqual(['server', 'start', '--port', String(snapshot.port), '--bind', '127.0.0.1']);

    const key = 'qwen2.5-0.5b-instruct';
    expect(fleet.entries.map((e) => [e.id, e.upstreamModel, e.contextLength])).toEqual([
      [`lmstudio/${key}`, key, 8192],
      ['lmstudio/text-embedding-nomic-embed-text-v1.5', 'text-embedding-nomic-embed-text-v1.5', 8192],
    ]);
    const qwen = fleet.entries[0]!.runtime as DaemonModelRuntime;
    expect(qwen).toBeInstanceOf(DaemonModelRuntime);

    const endpoints = await Promise.all([1, 2, 3].map(() => qwen.ensureReady({ deadlineMs: 30_000 })));
    expect(endpoints[0]?.baseUrl).toBe(baseUrl);
    const loads = lmsCalls(record).filter((argv) => argv[0] === 'load');
    expect(loads).toEqual([['load', key, '--identifier', key, '-c', '8192', '-y']]);
    expect(await v0State(baseUrl, key)).toBe('loaded');
    const chat = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: key, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);

    await qwen.stop();
    expect(lmsCalls(record).filter((argv) => argv[0] === 'unload')).toEqual([['unload', key]]);
    expect(await v0State(baseUrl, key)).toBe('not-loaded');
    expect(qwen.snapshot().state).toBe('stopped');

    await fleet.stop();
    expect(lmsCalls(record).at(-1)).toEqual(['server', 'stop']);
    expect(owner!.runtime.snapshot().state).toBe('stopped');
    expect(await greets(baseUrl)).toBe(false);
  });
});

describe('Supervisor with a detached launcher (lms server start)', () => {
  it('treats the launcher exit as expected, and a server killed behind its back as a crash found by health polling', async () => {
    const { home, env } = lmsHome();
    const owner = spawnLmStudioOwner({
      binaryPath: doubleBin('lms'),
      allocatePort: () => allocatePort(),
      livenessIntervalMs: 150,
      supervisor: { healthIntervalMs: 100, startDeadlineMs: 30_000, stopTimeoutMs: 5_000, backoff: { initialMs: 50, factor: 2, maxMs: 500 }, spawn: spawnWithEnv(env) },
    });
    owners.push(owner);
    const events: RuntimeEvent[] = [];
    owner.subscribe((event) => events.push(event));
    const transitions = () => events.flatMap((e) => (e.type === 'state' ? [`${e.from}->${e.to}`] : []));

    await owner.start();
    await waitFor(() => events.some((e) => e.type === 'exit'), 15_000, 'the launcher to exit');
    expect(events.find((e) => e.type === 'exit')).toMatchObject({ code: 0, expected: true });
    expect(owner.snapshot()).toMatchObject({ state: 'ready', pid: null });
    const firstPort = owner.snapshot().port;

    // The server dies without Homeport noticing a process exit: health polling finds out.
    process.kill(serverPid(home)!, 'SIGKILL');
    await waitFor(() => transitions().includes('ready->starting'), 10_000, 'the crash to be detected');
    const crash = events.find((e) => e.type === 'state' && e.from === 'ready' && e.to === 'starting');
    expect(crash?.type === 'state' ? crash.reason : '').toContain('the server stopped answering health checks (3 failed in a row, last: connection refused)');
    await waitFor(() => transitions().filter((t) => t === 'starting->ready').length === 2, 30_000, 'the restart');
    expect(owner.snapshot()).toMatchObject({ state: 'ready', restarts: 1 });
    expect(owner.snapshot().port).not.toBe(firstPort);

    await owner.stop();
    expect(transitions().slice(-2)).toEqual(['ready->stopping', 'stopping->stopped']);
    const stopped = events.at(-1);
    expect(stopped?.type === 'state' ? stopped.reason : '').toMatch(/lms server stop` exited \(code 0\); the server no longer answers$/);
    expect(serverPid(home)).toBeNull();
  });
});

describe('LM Studio server started by Homeport, when Homeport dies abruptly', () => {
  const engines: ChildProcess[] = [];
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.kill('SIGKILL');
  });

  it('is stopped with `lms server stop` by the watchdog after the engine is SIGKILLed', async () => {
    const { home, record, env } = lmsHome();
    const ownerModule = pathToFileURL(fileURLToPath(new URL('../../../../main/runtimes/external/daemon/owner.ts', import.meta.url))).href;
    const portsModule = pathToFileURL(fileURLToPath(new URL('../../../../main/runtimes/process/ports.ts', import.meta.url))).href;
    // An engine stand-in: starts LM Studio's server through the owner Supervisor, says where, then idles.
    const script = `
      const { spawnLmStudioOwner } = await import(${JSON.stringify(ownerModule)});
      const { allocatePort } = await import(${JSON.stringify(portsModule)});
      const owner = spawnLmStudioOwner({
        binaryPath: ${JSON.stringify(doubleBin('lms'))},
        allocatePort: () => allocatePort(),
        supervisor: { healthIntervalMs: 100, startDeadlineMs: 30_000, stopTimeoutMs: 5_000 },
      });
      await owner.start();
      process.stdout.write(JSON.stringify({ baseUrl: owner.snapshot().baseUrl }) + '\\n');
      setInterval(() => {}, 60_000);
    `;
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const engine = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    engines.push(engine);
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let text = '';
      engine.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve((JSON.parse(text.trim()) as { baseUrl: string }).baseUrl);
      });
      engine.once('exit', (code) => reject(new Error(`the engine stand-in exited early (${code})`)));
    });
    expect(await greets(baseUrl)).toBe(true);
    const server = serverPid(home);
    expect(server).not.toBeNull();

    engine.kill('SIGKILL');
    await waitFor(async () => !(await greets(baseUrl)), 20_000, 'the LM Studio server to stop');
    expect(lmsCalls(record).at(-1)).toEqual(['server', 'stop']);
    expect(serverPid(home)).toBeNull();
  });
});
