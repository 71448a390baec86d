/**
 * llama-server models in the fleet, against the llama-server double: one
 * Supervisor per configured GGUF, the exact command line, a per-launch key
 * passed by environment (never in argv) and sent by the gateway from the
 * endpoint headers, 503-then-200 readiness, and the crash limit.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { FleetSupervisorSettings, RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { killAllChildrenSync } from '../../../../main/runtimes/process/spawn.js';
import { RuntimeFailedError } from '../../../../main/runtimes/types.js';
import type { RuntimeEndpoint, RuntimeEvent } from '../../../../main/runtimes/types.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import { detected, detections, recordingProbe, removeTempDirs, spawnWithEnv, tempDir, waitFor } from './support.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const fleets: RuntimeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  killAllChildrenSync();
});
afterAll(removeTempDirs);

async function llamaFleet(env: Record<string, string>, supervisor: FleetSupervisorSettings = {}): Promise<RuntimeFleet> {
  const fleet = await buildFleet({
    config: runtimesConfigSchema.parse({
      llamaServer: { mode: 'spawn' },
      llamaServerModels: [{ path: MODEL, id: 'stories', ctx: 1024, parallel: 2, threads: 1 }],
      ollama: { mode: 'off' },
      lmstudio: { mode: 'off' },
      vllm: { mode: 'off' },
    }),
    detection: detections({ 'llama-server': detected('llama-server') }),
    gpu: { cuda: false },
    allocatePort: () => allocatePort(),
    supervisor: { stopTimeoutMs: 2_000, ...supervisor, spawn: spawnWithEnv(env) },
    timing: { healthIntervalMs: 100 },
  });
  fleets.push(fleet);
  return fleet;
}

function chat(endpoint: RuntimeEndpoint, headers: Record<string, string>): Promise<Response> {
  return fetch(`${endpoint.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'stories', messages: [{ role: 'user', content: 'hello' }] }),
  });
}

function starts(record: string) {
  return readRecord(record).flatMap((e) => (e.kind === 'start' ? [e] : []));
}

describe('llama-server models', () => {
  it('spawns the exact command line with a per-launch key in the environment, ready after 503 Loading model', async () => {
    const record = path.join(tempDir('hp-llama-'), 'record.jsonl');
    const { probe, seen } = recordingProbe();
    const fleet = await llamaFleet({ HOMEPORT_DOUBLE_RECORD: record, HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '700' }, { healthProbe: probe });
    expect(fleet.unavailable).toEqual([]);
    expect(fleet.entries).toEqual([
      expect.objectContaining({ id: 'llama-server/stories', upstreamModel: 'stories', ownedBy: 'llama-server', contextLength: 1024, sizeBytes: statSync(MODEL).size }),
    ]);
    const runtime = fleet.entries[0]!.runtime;
    expect(fleet.owners).toEqual([{ kind: 'llama-server', runtime, attached: false }]);
    expect(runtime.snapshot().state).toBe('stopped'); // started on demand only

    const endpoint = await runtime.ensureReady({ deadlineMs: 30_000 });
    const [start] = starts(record);
    expect(start?.argv).toEqual(['-m', MODEL, '--host', '127.0.0.1', '--port', String(endpoint.port), '-c', '2048', '-np', '2', '--cors-origins', 'http://homeport.invalid', '-t', '1', '-a', 'stories']);
    const key = start?.env.LLAMA_API_KEY ?? '';
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(endpoint.headers).toEqual({ Authorization: `Bearer ${key}` });
    expect(seen).toContain('503');
    expect(seen.at(-1)).toBe('200');

    expect((await chat(endpoint, endpoint.headers)).status).toBe(200);
    expect((await chat(endpoint, {})).status).toBe(401);
  });

  it('restarts after a crash with a fresh port and key, and fails after the crash limit', async () => {
    const record = path.join(tempDir('hp-llama-'), 'record.jsonl');
    const fleet = await llamaFleet(
      { HOMEPORT_DOUBLE_RECORD: record, HOMEPORT_DOUBLE_CRASH_AFTER: '1' },
      { crashLimit: { count: 2, windowMs: 60_000 }, backoff: { initialMs: 50, factor: 2, maxMs: 500 } },
    );
    const runtime = fleet.entries[0]!.runtime;
    const events: RuntimeEvent[] = [];
    runtime.subscribe((event) => events.push(event));

    const first = await runtime.ensureReady({ deadlineMs: 30_000 });
    expect((await chat(first, first.headers)).status).toBe(200); // then the double exits 1
    await waitFor(() => events.some((e) => e.type === 'state' && e.from === 'ready' && e.to === 'starting'), 10_000, 'the crash');
    const second = await runtime.ensureReady({ deadlineMs: 30_000 });
    expect(runtime.snapshot()).toMatchObject({ state: 'ready', restarts: 1 });
    expect(second.port).not.toBe(first.port);
    expect(second.headers.Authorization).not.toBe(first.headers.Authorization);
    expect(starts(record).map((s) => s.env.LLAMA_API_KEY)).toEqual([first.headers.Authorization?.slice(7), second.headers.Authorization?.slice(7)]);

    expect((await chat(second, second.headers)).status).toBe(200);
    await waitFor(() => runtime.snapshot().state === 'failed', 10_000, 'the crash limit');
    expect(runtime.snapshot().lastError).toBe(
      'crashed 2 times within 60 s; last exit: code 1: "double: crashing after 1 inference request(s) (HOMEPORT_DOUBLE_CRASH_AFTER)"',
    );
    await expect(runtime.ensureReady({ deadlineMs: 1_000 })).rejects.toBeInstanceOf(RuntimeFailedError);
  });
});
