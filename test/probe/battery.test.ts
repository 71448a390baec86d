import { afterEach, describe, expect, it } from 'vitest';
import { runBattery } from '../../main/probe/battery.js';
import { gatewaySender } from '../../main/probe/gateway-sender.js';
import type { FeatureResult, FeatureVerdict, ProbeFeature } from '../../main/probe/types.js';
import { startFeatureDouble, type FeatureDouble, type FeatureDoubleKnobs } from '../fixtures/feature-double.js';

let double: FeatureDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function probe(knobs: FeatureDoubleKnobs, contextLength: number | null = 4096): Promise<Record<ProbeFeature, FeatureResult>> {
  double = await startFeatureDouble(knobs);
  const results = await runBattery({ send: gatewaySender({ baseUrl: double.baseUrl }), model: 'double', contextLength });
  return Object.fromEntries(results.map((r) => [r.feature, r])) as Record<ProbeFeature, FeatureResult>;
}

const verdicts = (r: Record<ProbeFeature, FeatureResult>) => Object.fromEntries(Object.values(r).map((f) => [f.feature, f.verdict])) as Record<ProbeFeature, FeatureVerdict>;

describe('the probe battery against the feature double', () => {
  it('reports every feature honoured by a server that honours them all', async () => {
    const r = await probe({});
    expect(verdicts(r)).toEqual({ tools: 'honoured', json_schema: 'honoured', seed: 'honoured', stop: 'honoured', logprobs: 'honoured', include_usage: 'honoured', n: 'honoured', context_length: 'honoured' });
    expect(r.tools.evidence).toContain('get_weather({"city":"Paris"})');
    expect(r.json_schema.evidence).toContain('{"ok":true,"color":"red"}');
  });

  it('a server that ignores seed: seed ignored, the rest honoured', async () => {
    const r = await probe({ ignoreSeed: true });
    expect(r.seed.verdict).toBe('ignored');
    expect(r.seed.evidence).toMatch(/different text/);
    expect(Object.values(r).filter((f) => f.verdict !== 'honoured').map((f) => f.feature)).toEqual(['seed']);
  });

  it('a server that drops tools: tools ignored, with the text it wrote instead', async () => {
    const r = await probe({ dropTools: true });
    expect(r.tools.verdict).toBe('ignored');
    expect(r.tools.evidence).toMatch(/no tool_calls/);
    expect(Object.values(r).filter((f) => f.verdict !== 'honoured').map((f) => f.feature)).toEqual(['tools']);
  });

  it('a server that rejects logprobs: logprobs error, with its message', async () => {
    const r = await probe({ rejectLogprobs: true });
    expect(r.logprobs).toEqual({ feature: 'logprobs', verdict: 'error', evidence: '400: logprobs is not supported by this server' });
    expect(Object.values(r).filter((f) => f.verdict !== 'honoured').map((f) => f.feature)).toEqual(['logprobs']);
  });

  it('stop and n ignored, a context cut silently, and a reported context the server refuses', async () => {
    expect(verdicts(await probe({ ignoreStop: true, ignoreN: true }))).toMatchObject({ stop: 'ignored', n: 'ignored' });
    await double?.close();
    const cut = await probe({ truncateAt: 1000 }, 4096);
    expect(cut.context_length.verdict).toBe('ignored');
    expect(cut.context_length.evidence).toMatch(/cut to 1000 tokens/);
    await double?.close();
    const small = await probe({ contextLength: 1024 }, 4096);
    expect(small.context_length.verdict).toBe('error');
    expect(small.context_length.evidence).toMatch(/reported 4096.*refused/);
    await double?.close();
    expect((await probe({}, null)).context_length.verdict).toBe('unknown');
  });
});
