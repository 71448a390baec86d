import { mkdtemp, readdir, readFile, rm, stat, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretStore, SecretStoreError } from '../../main/secrets/store.js';

const TOKEN = 'hf_SecretStoreTestToken0123456789';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<SecretStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretStoreError);
  return error as SecretStoreError;
}

/** Every way an error could end up in a log or a response. */
function renderings(error: Error): string[] {
  return [error.message, String(error), JSON.stringify(error), String(error.stack), JSON.stringify(Object.assign({}, error))];
}

describe('secret store', () => {
  it('sets, gets, lists and deletes named secrets', async () => {
    const store = createSecretStore({ dir: join(dir, 'nested') });
    expect(await store.get('huggingface.token')).toBeUndefined();
    await store.set('huggingface.token', TOKEN);
    await store.set('openai', 'sk-anotherSecretValue0123456789');
    expect(await store.get('huggingface.token')).toBe(TOKEN);
    expect(await store.names()).toEqual(['huggingface.token', 'openai']);

    // A second store on the same folder sees the same file.
    expect(await createSecretStore({ dir: join(dir, 'nested') }).get('openai')).toBe('sk-anotherSecretValue0123456789');

    await store.set('huggingface.token', 'hf_Replaced0123456789abcdef');
    expect(await store.get('huggingface.token')).toBe('hf_Replaced0123456789abcdef');
    expect(await store.delete('huggingface.token')).toBe(true);
    expect(await store.delete('huggingface.token')).toBe(false);
    expect(await store.get('huggingface.token')).toBeUndefined();
    expect(await store.names()).toEqual(['openai']);
  });

  it('keeps the file private (mode 0600) and leaves no temp files behind', async () => {
    const store = createSecretStore({ dir });
    await store.set('hf', TOKEN);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['secrets.json']);

    // A file that became world-readable is tightened on the next read.
    await chmod(store.path, 0o644);
    expect(await store.get('hf')).toBe(TOKEN);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('creates a missing folder private to the owner', async () => {
    const store = createSecretStore({ dir: join(dir, 'fresh') });
    await store.set('hf', TOKEN);
    expect((await stat(join(dir, 'fresh'))).mode & 0o777).toBe(0o700);
  });

  it('serialises concurrent changes so none is lost', async () => {
    const store = createSecretStore({ dir });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.set(`key${i}`, `value-${i}`)));
    expect(await store.names()).toHaveLength(10);
    expect(await store.get('key7')).toBe('value-7');
  });

  it('rejects bad names and values without echoing the value', async () => {
    const store = createSecretStore({ dir });
    const badName = await errorOf(store.set('../etc', TOKEN));
    expect(badName.code).toBe('invalid_name');
    for (const text of renderings(badName)) expect(text).not.toContain(TOKEN);
    const badValue = await errorOf(store.set('hf', ''));
    expect(badValue.code).toBe('invalid_value');
    const tooLong = `hf_${'x'.repeat(20_000)}`;
    const long = await errorOf(store.set('hf', tooLong));
    for (const text of renderings(long)) expect(text).not.toContain('xxxxxxxxxx');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a corrupt file without quoting its contents', async () => {
    const store = createSecretStore({ dir });
    await writeFile(store.path, `{"version":1,"secrets":{"hf":"${TOKEN}"`, { mode: 0o600 }); // truncated JSON
    const corrupt = await errorOf(store.get('hf'));
    expect(corrupt.code).toBe('corrupt_file');
    for (const text of renderings(corrupt)) expect(text).not.toContain(TOKEN);

    await writeFile(store.path, JSON.stringify({ version: 2, secrets: { hf: TOKEN } }));
    const layout = await errorOf(store.get('hf'));
    expect(layout.code).toBe('corrupt_file');
    for (const text of renderings(layout)) expect(text).not.toContain(TOKEN);
  });

  it('redacts every stored value from a log line', async () => {
    const store = createSecretStore({ dir });
    await store.set('custom', 'plain-words-secret');
    await store.set('hf', TOKEN);
    const line = await store.redact(`calling with ${TOKEN} and plain-words-secret`);
    expect(line).toBe('calling with [redacted] and [redacted]');
    expect(await readFile(store.path, 'utf8')).toContain(TOKEN); // stored as is: the file is the one place it lives
  });
});
