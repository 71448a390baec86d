/**
 * The control API says when a runtime server was found and when it went
 * away: a llama-server started after the engine is found by
 * POST /homeport/v1/runtimes/refresh (GET /runtimes: `detectedAt`; GET
 * /models: the model's `detectedAt`), and once it stops the next refresh
 * reports it gone (GET /runtimes: `goneSince` on the runtime and the model
 * under `gone`; GET /models: the model under `gone` with `goneSince`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildrenSync } from '../../../../main/runtimes/process/spawn.js';
import { freePort, killAllDoubles, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { startTestEngine, type TestEngine } from '../../../support/engine.js';
import { testModel } from '../../../support/models.js';

const MODEL = testModel('stories260K.gguf');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface RuntimesBody {
  readonly detected: readonly { kind: string; running: boolean; detectedAt: string | null; goneSince: string | null }[];
  readonly gone: readonly { id: string; runtime: string; upstreamModel: string; detectedAt: string | null; goneSince: string }[];
}
interface ModelsBody {
  readonly data: readonly { id: string; detectedAt?: string | null }[];
  readonly gone: RuntimesBody['gone'];
}

let running: TestEngine | null = null;
afterEach(async () => {
  await running?.engine.stop();
  running = null;
  killAllChildrenSync();
  await killAllDoubles();
});

async function json<T>(engine: TestEngine, path: string, init?: RequestInit): Promise<T> {
  const response = await engine.controlFetch(path, init);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe('detectedAt and goneSince in the control API', () => {
  it('shows a server found on refresh with detectedAt, and the same server gone with goneSince once it stops', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const engine = await startTestEngine({
      config: { runtimes: { llamaServer: { mode: 'attach', url }, ollama: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' }, redetectSeconds: 0 } },
    });
    running = engine;

    const before = await json<RuntimesBody>(engine, '/homeport/v1/runtimes');
    expect(before.detected.find((d) => d.kind === 'llama-server')).toMatchObject({ running: false, detectedAt: null, goneSince: null });
    expect(before.gone).toEqual([]);

    const server = spawnDouble('llama-server', ['-m', MODEL, '--port', String(port)]);
    await waitForHttp(`${url}/health`);
    const startedBy = Date.now();
    const appeared = await json<{ added: string[] }>(engine, '/homeport/v1/runtimes/refresh', { method: 'POST' });
    expect(appeared.added).toEqual(['llama-server/stories260k']);

    const found = await json<RuntimesBody>(engine, '/homeport/v1/runtimes');
    const runtime = found.detected.find((d) => d.kind === 'llama-server')!;
    expect(runtime).toMatchObject({ running: true, goneSince: null });
    expect(runtime.detectedAt).toMatch(ISO);
    expect(Date.parse(runtime.detectedAt!)).toBeGreaterThanOrEqual(startedBy - 1);
    const models = await json<ModelsBody>(engine, '/homeport/v1/models');
    const model = models.data.find((m) => m.id === 'llama-server/stories260k')!;
    expect(model.detectedAt).toMatch(ISO);
    // A model Homeport serves itself was not "found".
    expect(models.data.find((m) => m.id === engine.modelId)).not.toHaveProperty('detectedAt');
    expect(models.gone).toEqual([]);

    await server.stop();
    const stoppedBy = Date.now();
    const went = await json<{ removed: string[] }>(engine, '/homeport/v1/runtimes/refresh', { method: 'POST' });
    expect(went.removed).toEqual(['llama-server/stories260k']);

    const after = await json<RuntimesBody>(engine, '/homeport/v1/runtimes');
    const lost = after.detected.find((d) => d.kind === 'llama-server')!;
    expect(lost).toMatchObject({ running: false, detectedAt: runtime.detectedAt });
    expect(lost.goneSince).toMatch(ISO);
    expect(Date.parse(lost.goneSince!)).toBeGreaterThanOrEqual(stoppedBy - 1);
    const goneModel = { id: 'llama-server/stories260k', runtime: 'llama-server', upstreamModel: MODEL, detectedAt: model.detectedAt, goneSince: expect.stringMatching(ISO) as unknown };
    expect(after.gone).toEqual([goneModel]);
    const modelsAfter = await json<ModelsBody>(engine, '/homeport/v1/models');
    expect(modelsAfter.data.map((m) => m.id)).not.toContain('llama-server/stories260k');
    expect(modelsAfter.gone).toEqual([goneModel]);
  });
});
