import { describe, expect, it } from 'vitest';
import { ModelMetrics, reportedDecodeRate } from '../../main/metrics/model-metrics.js';

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

  it('takes the decode speed of a non-streamed response from the runtime-reported completion_time', () => {
    let now = 0;
    const metrics = new ModelMetrics(() => now);
    const meter = metrics.begin({ modelId: 'm', runtimeId: 'r', endpoint: 'chat.completions', stream: false });
    now = 3000;
    meter.firstToken(); // the whole response: no stream to time
    // 51 tokens, 0.5 s from the first to the last: 50 / 0.5 = 100 tok/s (the 3 s wall time includes the prompt)
    meter.finish({ status: 200, usage: { prompt_tokens: 900, completion_tokens: 51, prompt_time: 2.5, completion_time: 0.5 } });
    expect(metrics.snapshot()[0]?.decodeTokPerSec).toEqual({ p50: 100, last: 100 });
  });

  it('records no decode speed for a non-streamed response without timings', () => {
    const metrics = new ModelMetrics(() => 0);
    const meter = metrics.begin({ modelId: 'm', runtimeId: 'r', endpoint: 'chat.completions', stream: false });
    meter.finish({ status: 200, usage: { prompt_tokens: 9, completion_tokens: 40 } });
    expect(metrics.snapshot()[0]?.decodeTokPerSec).toEqual({ p50: null, last: null });
    expect(reportedDecodeRate({ completion_tokens: 1, completion_time: 0.1 })).toBeNull();
    expect(reportedDecodeRate({ completion_tokens: 11, completion_time: 0 })).toBeNull();
    expect(reportedDecodeRate({ completion_tokens: 11, completion_time: 0.25 })).toBe(40);
  });
});
