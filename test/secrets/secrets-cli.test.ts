import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSecretsArgs, runSecretsCommand, SecretsUsageError } from '../../main/secrets/secrets-cli.js';
import { SecretResolver } from '../../main/secrets/resolver.js';
import { createSecretStore } from '../../main/secrets/store.js';
import { HF_TOKEN_SECRET } from '../../main/models/library/hub-access.js';

const VALUE = 'sk-cli-secret-value-0123456789abcdef';

function io(stdinText: string, env: Record<string, string> = {}) {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
  return { lines, io: { stdin: Readable.from([Buffer.from(stdinText)]), out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), promptTo: sink, env } };
}

describe('homeport secrets', () => {
  it('refuses a value on the command line', () => {
    expect(() => parseSecretsArgs(['set', 'openai', VALUE])).toThrow(SecretsUsageError);
    expect(() => parseSecretsArgs(['set', 'openai', VALUE])).toThrow(/never taken from the command line/);
    expect(parseSecretsArgs(['set', 'openai', '--data-dir', '/x'])).toEqual({ command: 'secrets', action: 'set', name: 'openai', dataDir: '/x' });
  });

  it('sets from stdin, lists set/not set and the source without the value, deletes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-secrets-'));
    const set = io(`${VALUE}\n`);
    expect(await runSecretsCommand({ command: 'secrets', action: 'set', name: 'openai' }, dir, set.io)).toBe(0);
    expect(await createSecretStore({ dir }).get('openai')).toBe(VALUE);
    const list = io('', { HF_TOKEN: 'hf_fromEnvironment123456' });
    expect(await runSecretsCommand({ command: 'secrets', action: 'list' }, dir, list.io)).toBe(0);
    const printed = [...set.lines, ...list.lines].join('\n');
    expect(printed).toMatch(/openai\tset \(store\)/);
    expect(printed).toMatch(/huggingface-token\tset \(environment: HF_TOKEN/);
    expect(printed).not.toContain(VALUE);
    expect(printed).not.toContain('hf_fromEnvironment123456');
    expect(await runSecretsCommand({ command: 'secrets', action: 'delete', name: 'openai' }, dir, io('').io)).toBe(0);
    expect(await createSecretStore({ dir }).get('openai')).toBeUndefined();
  });

  it('resolves the store first, then the environment (HF_TOKEN for the hub token, <NAME>_API_KEY, a declared variable)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-secrets-'));
    const env = { HF_TOKEN: 'hf_env', OPENAI_API_KEY: 'sk-env', MY_KEY: 'declared' };
    const resolver = new SecretResolver({ store: createSecretStore({ dir }), env, cacheMs: 0 });
    expect(await resolver.get(HF_TOKEN_SECRET)).toBe('hf_env');
    expect(await resolver.get('openai')).toBe('sk-env');
    resolver.declare('groq', 'MY_KEY');
    expect(await resolver.get('groq')).toBe('declared');
    await resolver.set('openai', 'sk-stored');
    expect(await resolver.get('openai')).toBe('sk-stored');
    const listing = await resolver.list();
    expect(listing.find((s) => s.name === 'openai')).toMatchObject({ set: true, source: 'store' });
    expect(JSON.stringify(listing)).not.toMatch(/sk-stored|sk-env|hf_env|declared"/);
  });
});
