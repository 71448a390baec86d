/**
 * The user's own LM Studio server on a port that is not the default: found
 * through `lms server status --json` (the lms double answers as the real CLI
 * does), attached, and never moved or stopped by Homeport.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { decideDaemonOwner } from '../../../../main/runtimes/external/daemon/owner.js';
import { detectRuntimes } from '../../../../main/runtimes/external/detect.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { doubleBin, freePort, runDouble } from '../../../fixtures/doubles/harness.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import { cliEnv, removeTempDirs, spawnWithEnv, tempDir } from '../fleet/support.js';

const homes: string[] = [];
const fleets: RuntimeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  for (const home of homes.splice(0)) {
    const info = path.join(home, '.internal', 'double-server.json');
    if (!existsSync(info)) continue;
    try {
      process.kill((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(removeTempDirs);

async function greets(url: string): Promise<boolean> {
  try {
    return ((await (await fetch(`${url}/lmstudio-greeting`, { signal: AbortSignal.timeout(2_000) })).json()) as { lmstudio?: unknown }).lmstudio === true;
  } catch {
    return false;
  }
}

describe("the user's LM Studio on another port", () => {
  it('is found through `lms server status`, attached, and neither moved nor stopped', async () => {
    const home = tempDir('hp-lms-user-');
    homes.push(home);
    const record = path.join(home, 'record.jsonl');
    const env = { HOMEPORT_DOUBLE_LMS_HOME: home, HOMEPORT_DOUBLE_RECORD: record };
    const port = await freePort();
    const started = await runDouble('lms', ['server', 'start', '--port', String(port)], { env });
    expect(started.code).toBe(0);
    const url = `http://127.0.0.1:${port}`;
    const config = runtimesConfigSchema.parse({ llamaServer: { mode: 'off' }, ollama: { mode: 'off' }, vllm: { mode: 'off' }, lmstudio: { path: doubleBin('lms') } });

    // Nothing answers on LM Studio's default port here; `lms` knows where its server is.
    const detection = await detectRuntimes({ paths: { lms: doubleBin('lms') }, env: cliEnv(env), timeoutMs: 15_000 });
    expect(detection.lmstudio).toMatchObject({ running: true, url, runningReason: expect.stringContaining('lms server status') });

    expect(decideDaemonOwner({ kind: 'lmstudio', mode: 'spawn', detection: detection.lmstudio })).toEqual({
      action: 'none',
      reason: expect.stringContaining('will not move or stop it'),
    });

    const fleet = await buildFleet({
      config,
      detection,
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
      supervisor: { spawn: spawnWithEnv(env), stopTimeoutMs: 2_000 },
      env: cliEnv(env),
    });
    fleets.push(fleet);
    expect(fleet.owners).toEqual([expect.objectContaining({ kind: 'lmstudio', attached: true })]);
    expect(fleet.entries.length).toBeGreaterThan(0);
    await fleet.stop();
    fleets.splice(0);

    const serverCalls = readRecord(record).flatMap((e) => (e.kind === 'start' && e.runtime === 'lms' && e.argv[0] === 'server' ? [e.argv.slice(0, 2).join(' ')] : []));
    expect(serverCalls.filter((c) => c === 'server start')).toHaveLength(1); // the user's own
    expect(serverCalls).not.toContain('server stop');
    expect(await greets(url)).toBe(true);
  });
});
