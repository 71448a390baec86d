/**
 * vLLM models in the fleet, against the vllm double: unavailable without a
 * CUDA GPU; with one (simulated), one Supervisor per configured model with
 * the exact command line, ready after connections were refused while loading.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { VLLM_NEEDS_GPU } from '../../../../main/runtimes/external/detect.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { killAllChildrenSync } from '../../../../main/runtimes/process/spawn.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import { detected, detections, recordingProbe, removeTempDirs, spawnWithEnv, tempDir } from './support.js';

const fleets: RuntimeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  killAllChildrenSync();
});
afterAll(removeTempDirs);

const config = runtimesConfigSchema.parse({
  llamaServer: { mode: 'off' },
  ollama: { mode: 'off' },
  lmstudio: { mode: 'off' },
  vllm: { models: [{ model: 'Qwen/Qwen2.5-0.5B-Instruct', id: 'qwen-small', maxModelLen: 4096, gpuMemoryUtilization: 0.5 }] },
});

describe('vLLM models', () => {
  it('are unavailable without a CUDA GPU, with the reason', async () => {
    const fleet = await buildFleet({ config, detection: detections({ vllm: detected('vllm') }), gpu: { cuda: false }, allocatePort: () => allocatePort() });
    fleets.push(fleet);
    expect(fleet.entries).toEqual([]);
    expect(fleet.owners).toEqual([]);
    expect(fleet.unavailable).toEqual([{ runtime: 'vllm', reason: VLLM_NEEDS_GPU }]);
  });

  it('with a CUDA GPU: spawned with the exact command line, ready once it stops refusing connections', async () => {
    const record = path.join(tempDir('hp-vllm-'), 'record.jsonl');
    const { probe, seen } = recordingProbe();
    const fleet = await buildFleet({
      config,
      detection: detections({ vllm: detected('vllm') }),
      gpu: { cuda: true },
      allocatePort: () => allocatePort(),
      supervisor: { spawn: spawnWithEnv({ HOMEPORT_DOUBLE_RECORD: record, HOMEPORT_DOUBLE_HEALTH_DELAY_MS: '700' }), healthProbe: probe, stopTimeoutMs: 2_000 },
      timing: { healthIntervalMs: 100 },
    });
    fleets.push(fleet);
    expect(fleet.unavailable).toEqual([]);
    expect(fleet.entries).toEqual([expect.objectContaining({ id: 'vllm/qwen-small', upstreamModel: 'qwen-small', ownedBy: 'vllm', contextLength: 4096 })]);

    const endpoint = await fleet.entries[0]!.runtime.ensureReady({ deadlineMs: 30_000 });
    const start = readRecord(record).find((e) => e.kind === 'start');
    expect(start?.kind === 'start' ? start.argv : []).toEqual([
      'serve', 'Qwen/Qwen2.5-0.5B-Instruct', '--host', '127.0.0.1', '--port', String(endpoint.port), '--allowed-origins', '[]',
      '--max-model-len', '4096', '--gpu-memory-utilization', '0.5', '--served-model-name', 'qwen-small',
      '--middleware', 'homeport_vllm_guard.require_key',
    ]);
    const key = start?.kind === 'start' ? start.env.VLLM_API_KEY : undefined;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(endpoint.headers).toEqual({ Authorization: `Bearer ${key}` });
    expect(seen[0]).toBe('connection refused');
    expect(seen.at(-1)).toBe('200');

    const models = (await (await fetch(`${endpoint.baseUrl}/v1/models`, { headers: endpoint.headers })).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['qwen-small']);
  });
});
