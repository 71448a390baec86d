import { afterEach, describe, expect, it } from 'vitest';
import type { HardwareView, LibraryView } from '../../main/models/library/service.js';
import { BandwidthNotMeasuredError } from '../../main/models/library/service.js';
import { createModelCatalog } from '../../main/models/catalog.js';
import type { OpenAIErrorBody } from '../../main/gateway/errors.js';
import { startControlHarness, TEST_BANDWIDTH, type ControlHarness } from './harness.js';

/**
 * Any web page can make the user's browser send a GET to 127.0.0.1 (an
 * `<img src>`), without an Origin for the guard to refuse. So no GET may start
 * heavy work: the memory-bandwidth copy test, a disk scan, an outbound call to
 * Hugging Face. Those start on POST; the GETs answer from what is known.
 */

const harnesses: ControlHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** A harness whose bandwidth is not known without measuring, counting measurements and scans. */
async function countingHarness() {
  const counts = { measurements: 0, scans: 0 };
  let catalog: ReturnType<typeof createModelCatalog> | undefined;
  const h = await startControlHarness({
    service: {
      bandwidth: async () => {
        counts.measurements += 1;
        return TEST_BANDWIDTH;
      },
      knownBandwidth: () => Promise.reject(new BandwidthNotMeasuredError()),
      scan: () => {
        counts.scans += 1;
        catalog ??= createModelCatalog({ roots: { dataDirModels: h.modelsDir, extraFolders: [], hfHubCache: null, lmStudio: [], ollama: [] } });
        return catalog.scan();
      },
    },
  });
  harnesses.push(h);
  return { h, counts };
}

describe('GET /hardware', () => {
  it('never runs the bandwidth test: the figure is null with how to measure it, until POST /hardware/refresh measures it once', async () => {
    const { h, counts } = await countingHarness();
    const first = await h.api('/hardware');
    expect(first.status).toBe(200);
    const view = first.body as HardwareView;
    expect(view.memory.totalBytes).toBeGreaterThan(0);
    expect(view.bandwidth).toBeNull();
    expect(view.bandwidthError).toMatch(/not measured yet: POST \/homeport\/v1\/hardware\/refresh/);
    await h.api('/hardware');
    expect(counts.measurements).toBe(0);

    const refreshed = await h.api('/hardware/refresh', { method: 'POST' });
    expect((refreshed.body as HardwareView).bandwidth).toEqual(TEST_BANDWIDTH);
    expect(counts.measurements).toBe(1);
    // Afterwards the GET shows the figure, still without measuring again.
    expect(((await h.api('/hardware')).body as HardwareView).bandwidth).toEqual(TEST_BANDWIDTH);
    expect(counts.measurements).toBe(1);
  });

  it('a figure known without measuring (vendor table, a measurement kept on disk) is shown by the GET', async () => {
    const h = await startControlHarness({ service: { knownBandwidth: async () => TEST_BANDWIDTH, bandwidth: () => Promise.reject(new Error('must not measure')) } });
    harnesses.push(h);
    const view = (await h.api('/hardware')).body as HardwareView;
    expect(view.bandwidth).toEqual(TEST_BANDWIDTH);
    expect(view.bandwidthError).toBeNull();
  });
});

describe('GET /library and its fit routes', () => {
  it('never scan: an empty library with scannedAt null and a 404 that says to rescan, until POST /library/rescan', async () => {
    const { h, counts } = await countingHarness();
    const before = await h.api('/library');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ scannedAt: null, models: [], broken: [] });
    const fit = await h.api('/library/linked-stories/fit');
    expect(fit.status).toBe(404);
    expect((fit.body as OpenAIErrorBody).error.message).toMatch(/not been scanned yet\. POST \/homeport\/v1\/library\/rescan/);
    expect((await h.api('/library/linked-stories/prediction')).status).toBe(404);
    expect(counts.scans).toBe(0);
    expect(counts.measurements).toBe(0);

    const rescanned = await h.api('/library/rescan', { method: 'POST' });
    expect((rescanned.body as LibraryView).models.map((m) => m.id)).toEqual(['linked-stories']);
    expect(counts.scans).toBe(1);

    const after = (await h.api('/library')).body as LibraryView;
    expect(after.scannedAt).toBeGreaterThan(0);
    expect(after.models.map((m) => m.id)).toEqual(['linked-stories']);
    expect((await h.api('/library/linked-stories/fit')).status).toBe(200);
    expect(counts.scans).toBe(1);
    // Fit and speed on GET use only a bandwidth known without measuring.
    expect(counts.measurements).toBe(0);
  });
});
