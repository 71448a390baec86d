/**
 * Real Ollama answers an unload (`keep_alive: 0`, done_reason "unload")
 * before the memory is freed; the double reproduces that lag. Evicting one
 * model to make room for another under a memory budget must wait until
 * Ollama no longer lists the first one in /api/ps, so the two are never in
 * memory together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runtimesConfigSchema } from '../../../../main/config/runtimes-schema.js';
import { ModelPool } from '../../../../main/lifecycle/model-pool.js';
import { buildFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import type { RuntimeFleet } from '../../../../main/runtimes/external/fleet/fleet.js';
import { allocatePort } from '../../../../main/runtimes/process/ports.js';
import { freePort, killAllDoubles, spawnDouble, waitForHttp } from '../../../fixtures/doubles/harness.js';
import { detected, detections } from '../fleet/support.js';

const GIB = 1024 ** 3;
const fleets: RuntimeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.splice(0).map((fleet) => fleet.stop()));
  await killAllDoubles();
});

async function loadedNames(url: string): Promise<string[]> {
  const body = (await (await fetch(`${url}/api/ps`)).json()) as { models: Array<{ name: string }> };
  return body.models.map((m) => m.name);
}

describe('Ollama unload lag', () => {
  it('answers the unload before the model leaves /api/ps', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_OLLAMA_UNLOAD_LAG_MS: '1500' } });
    await waitForHttp(`${url}/`);
    await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', keep_alive: -1 }) });
    const unload = (await (await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'llama3.2', keep_alive: 0 }) })).json()) as { done_reason: string };
    expect(unload.done_reason).toBe('unload');
    expect(await loadedNames(url)).toEqual(['llama3.2:latest']);
    await expect.poll(() => loadedNames(url), { timeout: 10_000, interval: 100 }).toEqual([]);
  });

  it('evicts, waits for the memory to be freed, then loads the next model under a memory budget', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const models = [
      { name: 'alpha:latest', sizeBytes: 2 * GIB },
      { name: 'beta:latest', sizeBytes: 2 * GIB },
    ];
    spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_MODELS: JSON.stringify(models), HOMEPORT_DOUBLE_OLLAMA_UNLOAD_LAG_MS: '1000' } });
    await waitForHttp(`${url}/`);
    const fleet = await buildFleet({
      config: runtimesConfigSchema.parse({ ollama: { mode: 'attach' }, llamaServer: { mode: 'off' }, lmstudio: { mode: 'off' }, vllm: { mode: 'off' } }),
      detection: detections({ ollama: detected('ollama', { url }) }),
      gpu: { cuda: false },
      allocatePort: () => allocatePort(),
      timing: { daemon: { pollIntervalMs: 50 } },
    });
    fleets.push(fleet);
    const pool = new ModelPool({ limits: { maxLoadedModels: 0, memoryBudgetBytes: 3 * GIB }, defaultTtlMs: 0 });
    const add = (name: string) => pool.add({ id: `ollama/${name}`, runtime: fleet.entries.find((e) => e.upstreamModel === name)!.runtime, estimatedBytes: 2 * GIB });
    const alpha = add('alpha:latest');
    const beta = add('beta:latest');

    await alpha.ensureReady({ deadlineMs: 10_000 });
    expect(await loadedNames(url)).toEqual(['alpha:latest']);

    // Watch Ollama's loaded list while beta takes alpha's room.
    const together: string[][] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const names = await loadedNames(url);
        if (names.length > 1) together.push(names);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await beta.ensureReady({ deadlineMs: 20_000 });
    watching = false;
    await watcher;

    expect(together).toEqual([]);
    expect(await loadedNames(url)).toEqual(['beta:latest']);
    expect(pool.decisions.list().map((d) => d.kind)).toContain('evict');
    pool.dispose();
  });
});
