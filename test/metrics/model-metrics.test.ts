import { describe, expect, it } from 'vitest';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';

describe('ModelMetrics', () => {
  it('measures TTFT, tokens and decode speed per model from meter calls', () => {
    let now = 0;
    const metrics = new ModelMetrics(() => now);
    const meter = metrics.begin({ modelId: 'm', runtimeId: 'embedded:m', endpoint: 'chat.completions', stream: true });
    meter.waiting();
    expect(metrics.totals()).toEqual({ inFlight: 1, waiting: 1 });
    now = 5;
    meter.forwarded();
    now = 20;
    meter.firstToken();
    meter.tokens(1);
    now = 1020;
    meter.tokens(100);
    meter.finish({ status: 200, usage: { prompt_tokens: 7, completion_tokens: 101 } });
    meter.finish({ status: 500 }); // a second finish is ignored
    const [m] = metrics.snapshot();
    expect(m).toMatchObject({ model: 'm', runtime: 'embedded:m', requests: 1, errors: 0, inFlight: 0, waiting: 0, tokens: { prompt: 7, completion: 101 } });
    expect(m?.ttftMs.last).toBe(20);
    expect(m?.decodeTokPerSec.last).toBe(100);
  });

  it('counts errors and falls back to streamed tokens without usage', () => {
    const metrics = new ModelMetrics();
    const meter = metrics.begin({ modelId: 'm', runtimeId: 'r', endpoint: 'completions', stream: true });
    meter.tokens(3);
    meter.finish({ status: 200, error: 'runtime died' });
    expect(metrics.snapshot()[0]).toMatchObject({ errors: 1, tokens: { completion: 3, prompt: 0 } });
  });
});
