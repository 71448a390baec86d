import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProbeStore, summarize } from '../../main/probe/probe-store.js';
import type { ProbeReport } from '../../main/probe/types.js';

const report = (over: Partial<ProbeReport>): ProbeReport => ({
  model: 'm', runtime: 'ollama', runtimeVersion: 'ollama 0.5.7', at: 1000, durationMs: 5,
  features: [{ feature: 'tools', verdict: 'honoured', evidence: 'x' }], ...over,
});

describe('ProbeStore', () => {
  it('keeps one report per model and runtime version, survives a reopen, and leaves no temp file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'probe-store-'));
    const file = join(dir, 'feature-probes.json');
    const store = ProbeStore.open(file);
    await store.put(report({}));
    await store.put(report({ at: 2000, features: [{ feature: 'tools', verdict: 'ignored', evidence: 'y' }] }));
    await store.put(report({ at: 3000, runtimeVersion: 'ollama 0.6.0' }));
    const again = ProbeStore.open(file);
    expect(again.history('m').map((r) => [r.runtimeVersion, r.at])).toEqual([['ollama 0.6.0', 3000], ['ollama 0.5.7', 2000]]);
    expect(again.latest('m', 'ollama 0.5.7')?.features[0]?.verdict).toBe('ignored');
    expect(again.latest('m')?.runtimeVersion).toBe('ollama 0.6.0');
    expect(again.latest('other')).toBeUndefined();
    expect(await readdir(dir)).toEqual(['feature-probes.json']);
    expect(JSON.parse(await readFile(file, 'utf8')).version).toBe(1);
    expect(summarize(again.latest('m', 'ollama 0.5.7')!)).toEqual({ probedAt: new Date(2000).toISOString(), runtimeVersion: 'ollama 0.5.7', verdicts: { tools: 'ignored' } });
  });

  it('refuses a file that is not a probe file, naming it', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'probe-store-')), 'feature-probes.json');
    await writeFile(file, '{"hello":1}');
    expect(() => ProbeStore.open(file)).toThrow(/not a probe-report file/);
  });
});
