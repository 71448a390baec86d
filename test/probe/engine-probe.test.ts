import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import type { ProbeReport, ProbeFeature, FeatureVerdict } from '../../main/probe/types.js';
import { runProbeCommand } from '../../main/probe/probe-cli.js';

describe('the feature probe on the real embedded runtime (stories260K), through the gateway', () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await startTestEngine();
  }, 90_000);
  afterAll(async () => {
    await t?.engine.stop();
  });

  it('tools, json_schema, seed, stop and logprobs are honoured; n > 1 is an error; the model list shows it', async () => {
    const before = await t.controlFetch(`/homeport/v1/models/${t.modelId}/probe`);
    expect(before.status).toBe(404);

    const res = await t.controlFetch(`/homeport/v1/models/${t.modelId}/probe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as ProbeReport;
    const verdicts = Object.fromEntries(report.features.map((f) => [f.feature, f.verdict])) as Record<ProbeFeature, FeatureVerdict>;
    const evidence = Object.fromEntries(report.features.map((f) => [f.feature, f.evidence]));
    expect(verdicts, JSON.stringify(evidence, null, 1)).toMatchObject({ tools: 'honoured', json_schema: 'honoured', seed: 'honoured', stop: 'honoured', logprobs: 'honoured', include_usage: 'honoured', n: 'error' });
    expect(report.runtime).toBe('embedded');
    expect(report.runtimeVersion).toMatch(/^embedded \(homeport /);
    expect(evidence.n).toMatch(/^400: /);

    const list = (await (await t.controlFetch('/homeport/v1/models')).json()) as { data?: { id: string; features?: { verdicts: Record<string, string> } | null }[] } | { id: string; features?: { verdicts: Record<string, string> } | null }[];
    const models = Array.isArray(list) ? list : (list.data ?? []);
    const model = models.find((m) => m.id === t.modelId);
    expect(model?.features?.verdicts).toEqual(verdicts);

    const stored = (await (await t.controlFetch(`/homeport/v1/models/${t.modelId}/probe`)).json()) as { current: ProbeReport; history: ProbeReport[] };
    expect(stored.current).toEqual(report);
    expect(stored.history).toHaveLength(1);
  }, 180_000);

  it('homeport probe (the CLI) asks the running engine and prints every feature', async () => {
    const out: string[] = [];
    const code = await runProbeCommand({ command: 'probe', models: [], json: false }, { origin: t.origin, controlToken: t.controlToken, out: (l) => out.push(l), err: () => undefined });
    const text = out.join('\n');
    if (process.env.HOMEPORT_SHOW_PROBE) process.stderr.write(`${text}\n`);
    expect(code).toBe(0);
    expect(text.split('\n')[0]).toMatch(new RegExp(`^${t.modelId} — embedded \\(homeport `));
    expect(text).toMatch(/\n {2}tools +honoured +get_weather\(/);
    expect(text).toMatch(/\n {2}n +error +400: /);
  }, 180_000);

  it('an unknown model is a 404 in the OpenAI shape', async () => {
    const res = await t.controlFetch('/homeport/v1/models/no-such-model/probe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });
});
