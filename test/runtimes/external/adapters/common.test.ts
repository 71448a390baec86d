import { describe, expect, it } from 'vitest';
import { checkForwardablePath, INFERENCE_PATHS, isForwardablePath, loopbackBaseUrl, newApiKey, redactSecretArgs, redactSecretEnv } from '../../../../main/runtimes/external/adapters/common.js';
import { llamaServerAdapter } from '../../../../main/runtimes/external/adapters/llama-server.js';
import { lmStudioAdapter } from '../../../../main/runtimes/external/adapters/lmstudio.js';
import { ollamaAdapter } from '../../../../main/runtimes/external/adapters/ollama.js';
import { vllmAdapter } from '../../../../main/runtimes/external/adapters/vllm.js';

describe('isForwardablePath', () => {
  const forwardable: string[] = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/models', '/v1/models?limit=5'];
  const refused: Array<[string, RegExp]> = [
    ['', /empty/],
    ['v1/models', /not an absolute path/],
    ['http://evil.example/v1/models', /not an absolute path/],
    ['/v1/../api/pull', /dot segments/],
    ['/v1/chat/completions/..', /dot segments/],
    ['/v1/./models', /dot segments/],
    ['/v1/%2e%2e/api/pull', /percent-encoded/],
    ['/v1/%2E%2E/api/delete', /percent-encoded/],
    ['/v1/models%2f..', /percent-encoded/],
    ['/v1\\..\\api\\pull', /backslashes/],
    ['//v1/models', /empty path segments/],
    ['/v1//models', /empty path segments/],
    ['/v1/models#x', /fragments/],
    ['/v1/models ', /control characters or spaces/],
    ['/v1/mo\u0000dels', /control characters/],
    ['/api/pull', /management path/],
    ['/api/delete', /management path/],
    ['/api/create', /management path/],
    ['/api/v1/models/load', /management path/],
    ['/slots', /management path/],
    ['/slots/0', /management path/],
    ['/props', /management path/],
    ['/metrics', /management path/],
    ['/invocations', /management path/],
    ['/api/chat', /not one of the forwarded inference paths/],
    ['/v1/models/llama3', /not one of the forwarded inference paths/],
    ['/v1/models/', /not one of the forwarded inference paths/],
    ['/V1/chat/completions', /not one of the forwarded inference paths/],
    ['/v1/responses', /not one of the forwarded inference paths/],
    ['/health', /not one of the forwarded inference paths/],
  ];

  it.each(forwardable)('forwards %s', (path) => {
    expect(isForwardablePath(path)).toBe(true);
    expect(checkForwardablePath(path).reason).toMatch(/inference path/);
  });

  it.each(refused)('refuses %j (%s)', (path, reason) => {
    const decision = checkForwardablePath(path);
    expect(decision.forwardable).toBe(false);
    expect(decision.reason).toMatch(reason);
    expect(isForwardablePath(path)).toBe(false);
  });

  it('is the same list and check for every adapter', () => {
    for (const adapter of [llamaServerAdapter, ollamaAdapter, lmStudioAdapter, vllmAdapter]) {
      expect(adapter.inferencePaths).toEqual(INFERENCE_PATHS);
      expect(adapter.isForwardablePath('/v1/chat/completions')).toBe(true);
      expect(adapter.isForwardablePath('/api/pull')).toBe(false);
    }
  });
});

describe('secrets', () => {
  it('redacts secret flag values in both spellings and leaves the rest', () => {
    expect(redactSecretArgs(['-m', 'x.gguf', '--api-key', 's3cret', '--api-key=t0ken', '--port', '1'], ['--api-key'])).toEqual(['-m', 'x.gguf', '--api-key', '***', '--api-key=***', '--port', '1']);
    expect(redactSecretEnv({ LLAMA_API_KEY: 'k', OTHER: 'v' }, ['LLAMA_API_KEY'])).toEqual({ LLAMA_API_KEY: '***', OTHER: 'v' });
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
