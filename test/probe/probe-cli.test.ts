import { describe, expect, it } from 'vitest';
import { parseCli, UsageError, USAGE } from '../../main/cli-args.js';
import { formatReport, runProbeCommand } from '../../main/probe/probe-cli.js';

describe('homeport probe: command line', () => {
  it('parses models and flags strictly', () => {
    expect(parseCli(['probe'])).toEqual({ command: 'probe', models: [], json: false });
    expect(parseCli(['probe', 'llama', 'qwen', '--port', '9000', '--key', 'k', '--json', '--data-dir', '/d'])).toEqual({ command: 'probe', models: ['llama', 'qwen'], port: 9000, key: 'k', json: true, dataDir: '/d' });
    expect(() => parseCli(['probe', '--port', 'x'])).toThrow(UsageError);
    expect(() => parseCli(['probe', '--nope'])).toThrow(UsageError);
    expect(USAGE).toContain('homeport probe [MODEL ...]');
  });

  it('formats a report one feature a line', () => {
    const text = formatReport({ model: 'm', runtime: 'embedded', runtimeVersion: 'embedded (homeport 1)', at: 0, durationMs: 1500, features: [{ feature: 'tools', verdict: 'honoured', evidence: 'get_weather({})' }, { feature: 'n', verdict: 'error', evidence: '400: no' }] });
    expect(text.split('\n')).toEqual(['m — embedded (homeport 1) (1.5 s)', '  tools  honoured  get_weather({})', '  n      error     400: no']);
  });

  it('says plainly when no engine answers, and exits 1', async () => {
    const errors: string[] = [];
    const code = await runProbeCommand({ command: 'probe', models: ['m'], json: false }, { origin: 'http://127.0.0.1:9', controlToken: 't', out: () => undefined, err: (l) => errors.push(l) });
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/not answering at http:\/\/127\.0\.0\.1:9.*homeport serve/);
  });
});
