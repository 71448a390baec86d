import { describe, expect, it } from 'vitest';
import { keyedServerLaunchPlan, loopbackBaseUrl, newApiKey, type KeyedServerLaunchOptions } from '../../../../main/runtimes/external/adapters/common.js';
import { buildLlamaServerLaunchPlan } from '../../../../main/runtimes/external/adapters/llama-server.js';
import { buildVllmLaunchPlan } from '../../../../main/runtimes/external/adapters/vllm.js';
import { redactSecretArgs, showCommandLine } from '../../../../main/runtimes/process/redact-args.js';

describe('secrets', () => {
  it('redacts secret flag values in both spellings and leaves the rest', () => {
    expect(redactSecretArgs(['-m', 'x.gguf', '--api-key', 's3cret', '--api-key=t0ken', '--port', '1'])).toEqual(['-m', 'x.gguf', '--api-key', '***', '--api-key=***', '--port', '1']);
    expect(showCommandLine('llama-server', ['-m', '/my models/x.gguf', '--api-key', 's3cret'])).toBe('llama-server -m "/my models/x.gguf" --api-key ***');
  });

  it('makes a 64-hex-digit key from 32 random bytes, fresh each time', () => {
    expect(newApiKey(() => Buffer.alloc(32, 0xab))).toBe('ab'.repeat(32));
    const a = newApiKey();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newApiKey()).not.toBe(a);
  });

  it('builds loopback base URLs only for valid ports', () => {
    expect(loopbackBaseUrl(8080)).toBe('http://127.0.0.1:8080');
    expect(() => loopbackBaseUrl(0)).toThrow(RangeError);
    expect(() => loopbackBaseUrl(70000)).toThrow(RangeError);
  });
});

describe('keyed server launches (llama-server and vLLM share one options type)', () => {
  const key = 'cd'.repeat(32);
  const shared: KeyedServerLaunchOptions = { port: 8123, randomBytes: () => Buffer.alloc(32, 0xcd) };
  const llama = (extra: Partial<KeyedServerLaunchOptions>) => buildLlamaServerLaunchPlan({ ...shared, ...extra, modelPath: '/m.gguf', contextSize: 512, parallel: 1 });
  const vllm = (extra: Partial<KeyedServerLaunchOptions>) => buildVllmLaunchPlan({ ...shared, ...extra, model: 'org/model' });

  it('puts the key on the command line by default, and in the runtime\'s own variable with apiKeyVia env', () => {
    for (const [plan, envName] of [[llama, 'LLAMA_API_KEY'], [vllm, 'VLLM_API_KEY']] as const) {
      const argv = plan({});
      expect(argv.args.slice(-2)).toEqual(['--api-key', key]);
      expect(argv.env).toBeUndefined();
      expect(argv.headers).toEqual({ Authorization: `Bearer ${key}` });
      expect(argv.baseUrl).toBe('http://127.0.0.1:8123');
      const env = plan({ apiKeyVia: 'env' });
      expect(env.args).not.toContain('--api-key');
      expect(env.args.join(' ')).not.toContain(key);
      expect(env.env).toEqual({ [envName]: key });
      expect(env.headers).toEqual({ Authorization: `Bearer ${key}` });
    }
  });

  it('runs the binary name from PATH unless a path is given', () => {
    expect(llama({}).command).toBe('llama-server');
    expect(vllm({}).command).toBe('vllm');
    expect(llama({ binaryPath: '/opt/llama/llama-server' }).command).toBe('/opt/llama/llama-server');
    expect(vllm({ binaryPath: '/opt/venv/bin/vllm' }).command).toBe('/opt/venv/bin/vllm');
  });

  it('hands the key to extra environment that needs it, and the variable wins over it', () => {
    const plan = keyedServerLaunchPlan(
      { ...shared, apiKeyVia: 'env' },
      { binaryName: 'x', keyEnvName: 'X_KEY', args: ['serve'], env: (k) => ({ GUARD_KEY: k, X_KEY: 'overridden' }) },
    );
    expect(plan.env).toEqual({ GUARD_KEY: key, X_KEY: key });
    expect(plan.args).toEqual(['serve']);
  });
});
