import { describe, expect, it } from 'vitest';
import { loopbackBaseUrl, newApiKey } from '../../../../main/runtimes/external/adapters/common.js';
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
