/**
 * Servers that appear or go away after Homeport started: refresh() runs
 * detection again, attaches a llama-server started since (its path-named
 * model gets a readable id, the long form stays an alias), and lists what
 * went away as gone. Also: the re-detection loop, the `embeddings` option of
 * spawned llama-server models, and the advice for an endpoint a runtime does
 * not serve.
 */
import { describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { detectRuntimes } from '../../../../main/runtimes/external/detect.js';
import { buildFleet, detectionOptionsFor } from '../../../../main/runtimes/external/fleet/fleet.js';
import { attachedModelNames } from '../../../../main/runtimes/external/fleet/model-names.js';
import { startRedetectLoop } from '../../../../main/runtimes/external/redetect-loop.js';
import { unservedEndpointAdvice } from '../../../../main/runtimes/external/unserved-endpoint.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { freePort, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { readRecord } from '../../../fixtures/doubles/record.js';
import { detected, detections, spawnWithEnv, stopFleetsAfterEach, tempDir } from './support.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const fleets = stopFleetsAfterEach();

describe('attached model names', () => {
  it('gives a path-named llama-server model its file name, lower case, and keeps the long form as an alias', () => {
    expect(attachedModelNames('llama-server', '/models/Qwen2.5-0.5B-Q4_K_M.gguf')).toEqual({
      id: 'llama-server/qwen2.5-0.5b-q4_k_m',
      aliases: ['llama-server//models/Qwen2.5-0.5B-Q4_K_M.gguf'],
    });
    expect(attachedModelNames('llama-server', 'C:\\models\\Tiny.GGUF')).toEqual({ id: 'llama-server/tiny', aliases: ['llama-server/C:\\models\\Tiny.GGUF'] });
    expect(attachedModelNames('llama-server', 'my-alias')).toEqual({ id: 'llama-server/my-alias', aliases: [] });
    expect(attachedModelNames('vllm', 'Qwen/Qwen3-0.6B')).toEqual({ id: 'vllm/Qwen/Qwen3-0.6B', aliases: [] });
  });
});

describe('re-detection', () => {
  it('attaches a llama-server started after the fleet was built, and lists it as gone once it stops', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = runtimesConfigSchema.parse({ llamaServer: { mode: 'attach', url }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' } });
    const detect = () => detectRuntimes({ ...detectionOptionsFor(config), env: { PATH: '' }, timeoutMs: 2_000 });
    const fleet = await buildFleet({ config, detection: await detect(), gpu: { cuda: false }, allocatePort: () => allocatePort(), redetect: detect });
    fleets.push(fleet);
    expect(fleet.entries).toEqual([]);
    expect(fleet.detected.find((d) => d.kind === 'llama-server')).toMatchObject({ running: false, detectedAt: null, goneSince: null });

    // Started by the user after Homeport, with -m and no alias: it names its model by the path.
    const server = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)]);
    await waitForHttp(`${url}/health`);
    const appeared = await fleet.refresh();
    expect(appeared.added).toEqual(['llama-server/stories260k']);
    const entry = fleet.entries[0]!;
    expect(entry).toMatchObject({ id: 'llama-server/stories260k', upstreamModel: MODEL, aliases: [`llama-server/${MODEL}`], canUnload: false });
    expect(entry.detectedAt).toEqual(expect.any(Number));
    expect(fleet.owners.map((o) => [o.kind, o.attached])).toEqual([['llama-server', true]]);
    const seen = fleet.detected.find((d) => d.kind === 'llama-server')!;
    expect(seen).toMatchObject({ running: true, goneSince: null, detectedAt: expect.any(Number) });
    const endpoint = await entry.runtime.ensureReady({ deadlineMs: 5_000 });
    expect(endpoint.baseUrl).toBe(url);

    await server.stop();
    const went = await fleet.refresh();
    expect(went.removed).toEqual(['llama-server/stories260k']);
    expect(fleet.entries).toEqual([]);
    expect(fleet.unavailable).toEqual([expect.objectContaining({ runtime: 'llama-server', model: MODEL, reason: expect.stringMatching(/^gone: "llama-server\/stories260k" is no longer offered/) })]);
    const lost = fleet.detected.find((d) => d.kind === 'llama-server')!;
    expect(lost).toMatchObject({ running: false, detectedAt: seen.detectedAt, goneSince: expect.any(Number) });
    expect(lost.goneSince!).toBeGreaterThanOrEqual(seen.detectedAt!);
    expect(fleet.goneModels).toEqual([{ id: 'llama-server/stories260k', runtime: 'llama-server', upstreamModel: MODEL, detectedAt: entry.detectedAt, since: expect.any(Number) }]);

    // Back again: no longer gone.
    spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)]);
    await waitForHttp(`${url}/health`);
    expect((await fleet.refresh()).added).toEqual(['llama-server/stories260k']);
    expect(fleet.unavailable).toEqual([]);
    expect(fleet.goneModels).toEqual([]);
    const back = fleet.detected.find((d) => d.kind === 'llama-server')!;
    expect(back).toMatchObject({ running: true, goneSince: null });
    expect(back.detectedAt!).toBeGreaterThanOrEqual(lost.goneSince!);
  });

  it('runs passes one at a time until stopped', async () => {
    let passes = 0;
    let running = 0;
    let overlapped = false;
    let stop = (): void => undefined;
    const enough = new Promise<void>((resolve) => {
      stop = startRedetectLoop({
        intervalMs: 5,
        pass: async () => {
          running += 1;
          overlapped ||= running > 1;
          await new Promise((r) => setTimeout(r, 20));
          running -= 1;
          passes += 1;
          if (passes === 3) resolve();
        },
      });
    });
    await enough;
    stop();
    const after = passes;
    await new Promise((r) => setTimeout(r, 60));
    expect(passes).toBe(after);
    expect(overlapped).toBe(false);
    expect(startRedetectLoop({ intervalMs: 0, pass: () => Promise.reject(new Error('never')) })).toBeTypeOf('function');
  });
});

describe('endpoints a runtime does not serve', () => {
  it('spawns a llama-server model with --embeddings when its config says so, and it then serves embeddings', async () => {
    const record = `${tempDir('hp-emb-')}/record.jsonl`;
    const fleet = await buildFleet({
      config: runtimesConfigSchema.parse({
        llamaServer: { mode: 'spawn' },
        llamaServerModels: [{ path: MODEL, id: 'plain', threads: 1 }, { path: MODEL, id: 'embedder', threads: 1, embeddings: true }],
        ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' },
      }),
      detection: detections({ 'llama-server': detected('llama-server') }),
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
      supervisor: { stopTimeoutMs: 2_000, spawn: spawnWithEnv({ HOMEPORT_DOUBLE_RECORD: record }) },
      timing: { healthIntervalMs: 100 },
    });
    fleets.push(fleet);
    const embed = async (id: string) => {
      const endpoint = await fleet.entries.find((e) => e.id === id)!.runtime.ensureReady({ deadlineMs: 20_000 });
      const res = await fetch(`${endpoint.baseUrl}/v1/embeddings`, { method: 'POST', headers: { ...endpoint.headers, 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hi' }) });
      return { status: res.status, body: await res.text() };
    };
    expect((await embed('llama-server/embedder')).status).toBe(200);
    const refused = await embed('llama-server/plain');
    expect(refused.status).toBe(501);
    const argvs = readRecord(record).flatMap((e) => (e.kind === 'start' ? [e.argv] : []));
    expect(argvs.filter((argv) => argv.includes('--embeddings'))).toHaveLength(1);

    const advice = unservedEndpointAdvice({ ownedBy: 'llama-server', modelId: 'llama-server/plain', path: '/v1/embeddings', status: refused.status, body: refused.body, spawnedByHomeport: true });
    expect(advice).toContain('"embeddings": true');
    expect(advice).toContain('runtimes.llamaServerModels');
    expect(unservedEndpointAdvice({ ownedBy: 'llama-server', modelId: 'x', path: '/v1/embeddings', status: 501, body: refused.body, spawnedByHomeport: false })).toContain('--embeddings');
    expect(unservedEndpointAdvice({ ownedBy: 'llama-server', modelId: 'x', path: '/v1/chat/completions', status: 400, body: '{"error":{"message":"bad"}}', spawnedByHomeport: true })).toBeNull();
  });
});
