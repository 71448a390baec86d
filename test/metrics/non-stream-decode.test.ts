/**
 * A client that never streams still gets a measured decode speed: the
 * embedded runtime reports `prompt_time` / `completion_time` in a
 * non-streamed response's usage, and the metrics take the rate from them.
 * Real worker (from the sources), real model (stories260K), one thread.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';
import type { Usage } from '../../main/metrics/types.js';
import { embeddedLaunchPlan } from '../../main/runtimes/embedded/launch-plan.js';
import { testModel } from '../support/models.js';

const KEY = 'non-stream-decode-test-key-0123456789';
let child: ChildProcess;
let port: number;

beforeAll(async () => {
  const plan = embeddedLaunchPlan({ modelPath: testModel('stories260K.gguf'), port: 0, ctx: 512, parallel: 1, threads: 1 });
  child = spawn(plan.command, [...plan.args], { env: { ...process.env, ...plan.env, HOMEPORT_WORKER_KEY: KEY }, stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    const match = /homeport-embedded ready .*port=(\d+)/.exec(text);
    if (match) {
      port = Number(match[1]);
      break;
    }
  }
  if (!port) throw new Error('the embedded worker exited before it was ready');
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

async function post(path: string, body: object): Promise<{ usage: Usage }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { usage: Usage };
}

describe('decode speed from non-streamed requests', () => {
  it('chat: the usage carries the runtime timings, and the metrics record a decode rate from them', async () => {
    const { usage } = await post('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      max_tokens: 24,
      temperature: 0,
      ignore_eos: true,
    });
    expect(usage.completion_tokens).toBeGreaterThan(1);
    expect(usage.prompt_time).toBeGreaterThan(0);
    expect(usage.completion_time).toBeGreaterThan(0);

    const metrics = new ModelMetrics();
    const meter = metrics.begin({ modelId: 'stories', runtimeId: 'embedded:stories', endpoint: 'chat.completions', stream: false });
    meter.firstToken();
    meter.finish({ status: 200, usage });
    const rate = metrics.snapshot()[0]!.decodeTokPerSec.last!;
    expect(rate).toBeCloseTo((usage.completion_tokens! - 1) / usage.completion_time!, 0);
  });

  it('text completions: timings summed over the prompts of the request', async () => {
    const { usage } = await post('/v1/completions', { prompt: ['Once upon a time', 'The cat'], max_tokens: 8, temperature: 0 });
    expect(usage.completion_time).toBeGreaterThan(0);
    expect(usage.prompt_time).toBeGreaterThan(0);
  });
});
