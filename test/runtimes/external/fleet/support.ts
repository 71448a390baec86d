/**
 * Test support for the fleet, attached and daemon tests: detection results
 * shaped like detectRuntimes' for a double, a spawn wrapper that adds the
 * doubles' knobs to every process the code under test starts, a health probe
 * that remembers what it saw, and polling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExternalRuntimeKind } from '../../../../main/runtimes/external/adapters/common.js';
import type { RuntimeDetection, RuntimeDetections } from '../../../../main/runtimes/external/detect.js';
import { fetchHealthProbe } from '../../../../main/runtimes/process/health.js';
import type { HealthProbe } from '../../../../main/runtimes/process/health.js';
import { spawnRuntimeProcess } from '../../../../main/runtimes/process/spawn.js';
import type { SpawnRuntime } from '../../../../main/runtimes/process/spawn.js';
import { afterAll, afterEach } from 'vitest';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { killAllChildrenSync } from '../../../../main/runtimes/process/spawn.js';
import { doubleBin, killAllDoubles, pathWithDoubles } from '../../../fixtures/doubles/harness.js';

const DEFAULT_PORTS: Readonly<Record<ExternalRuntimeKind, number>> = { 'llama-server': 8080, ollama: 11434, lmstudio: 1234, vllm: 8000 };
const BINARIES: Readonly<Record<ExternalRuntimeKind, 'llama-server' | 'ollama' | 'lms' | 'vllm'>> = { 'llama-server': 'llama-server', ollama: 'ollama', lmstudio: 'lms', vllm: 'vllm' };

/** What detectRuntimes would report for `kind`: installed = its double's shim, running when `url` is given. */
export function detected(kind: ExternalRuntimeKind, options: { installed?: boolean; url?: string } = {}): RuntimeDetection {
  const installed = options.installed ?? true;
  const running = options.url !== undefined;
  const url = options.url ?? `http://127.0.0.1:${DEFAULT_PORTS[kind]}`;
  return {
    kind,
    installed,
    binaryPath: installed ? doubleBin(BINARIES[kind]) : null,
    installedReason: installed ? `found at ${doubleBin(BINARIES[kind])}` : `cannot run ${BINARIES[kind]}: not found on PATH; install it or set its full path`,
    version: null,
    versionReason: 'not asked in this test',
    running,
    url,
    runningReason: running ? `answers at ${url}` : `nothing listens at ${url} (connection refused)`,
    available: installed || running,
    reason: 'test detection',
  };
}

/** All four runtimes; not installed and not running unless given. */
export function detections(given: Partial<RuntimeDetections> = {}): RuntimeDetections {
  return {
    'llama-server': given['llama-server'] ?? detected('llama-server', { installed: false }),
    ollama: given.ollama ?? detected('ollama', { installed: false }),
    lmstudio: given.lmstudio ?? detected('lmstudio', { installed: false }),
    vllm: given.vllm ?? detected('vllm', { installed: false }),
  };
}

/** Spawn like Homeport does, with the doubles' knobs (and a PATH that has node) added to every process. */
export function spawnWithEnv(env: Readonly<Record<string, string>>): SpawnRuntime {
  return (request) => spawnRuntimeProcess({ ...request, env: { PATH: pathWithDoubles(), ...env, ...request.env } });
}

/** The environment for CLI commands the code under test runs itself (`lms load`...). */
export function cliEnv(env: Readonly<Record<string, string>>): Record<string, string | undefined> {
  return { ...process.env, PATH: pathWithDoubles(), ...env };
}

/** A health probe that records each outcome: "200", "503", "connection refused"... */
export function recordingProbe(): { probe: HealthProbe; seen: string[] } {
  const seen: string[] = [];
  const probe: HealthProbe = async (request) => {
    try {
      const status = await fetchHealthProbe(request);
      seen.push(String(status));
      return status;
    } catch (error) {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      seen.push(code === 'ECONNREFUSED' ? 'connection refused' : String(code ?? (error as Error).message));
      throw error;
    }
  };
  return { probe, seen };
}

const temps: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Polls until `check` holds; throws naming what it waited for. isAlive: a zombie counts as dead. */
/**
 * After each test: stop the fleets it pushed to the returned list, kill what
 * they spawned and every double; after the file: remove the temp folders.
 */
export function stopFleetsAfterEach(): RuntimeFleet[] {
  const fleets: RuntimeFleet[] = [];
  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
    killAllChildrenSync();
    await killAllDoubles();
  });
  afterAll(removeTempDirs);
  return fleets;
}

export { waitUntil as waitFor, isAlive } from '../../../support/processes.js';
