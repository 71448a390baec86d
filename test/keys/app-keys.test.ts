/**
 * App keys: the store (hashed, 0600, CLI and engine share it), and the public
 * API's behaviour with a real engine: open until a key exists, then 401 in
 * each API's own shape without a valid key, attribution by key name, model
 * allowlists, revocation, and the key never in a log or the request log.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppKeyStore } from '../../main/keys/key-store.js';
import { dataPaths } from '../../main/config/paths.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const run = promisify(execFile);

describe('app key store', () => {
  it('keeps only hashes, in a 0600 file, and verifies, lists and revokes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'homeport-keys-'));
    const store = AppKeyStore.inStateDir(dir);
    expect(store.hasKeys()).toBe(false);
    const { key, record } = store.create('editor', { models: ['stories260k'] });
    expect(key).toMatch(/^hp-[A-Za-z0-9_-]{43}$/);
    const file = await readFile(join(dir, 'app-keys.json'), 'utf8');
    expect(file).not.toContain(key);
    expect(file).not.toContain(key.slice(9));
    expect((await stat(join(dir, 'app-keys.json'))).mode & 0o777).toBe(0o600);
    expect(store.verify(key)).toEqual(record);
    expect(store.verify(`${key}x`)).toBeUndefined();
    expect(() => store.create('editor')).toThrow(/already exists/);
    expect(() => store.create('bad/name')).toThrow(/key name/);
    expect(store.list().map((k) => k.name)).toEqual(['editor']);
    // Another process (the CLI) sees the same keys.
    expect(AppKeyStore.inStateDir(dir).verify(key)?.name).toBe('editor');
    expect(store.revoke('editor')).toBe(true);
    expect(store.verify(key)).toBeUndefined();
    expect(store.revoke('editor')).toBe(false);
  });
});

describe('app keys on a running engine', () => {
  let env: TestEngine;
  let logged = '';

  beforeAll(async () => {
    env = await startTestEngine({ log: (line: string) => (logged += `${line}\n`) });
  });

  afterAll(async () => {
    await env?.engine.stop();
  });

  const chat = (headers: Record<string, string>) =>
    fetch(`${env.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: env.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 }),
    });

  it('is open without keys, then requires one in each API shape; attributes, limits and revokes', async () => {
    expect((await chat({})).status).toBe(200);

    const created = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'notes-app' }) });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const listed = await (await env.controlFetch('/homeport/v1/keys')).text();
    expect(listed).toContain('notes-app');
    expect(listed).not.toContain(key.slice(9));

    const missing = await chat({});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await chat({ authorization: 'Bearer hp-wrong' })).status).toBe(401);
    expect((await fetch(`${env.origin}/v1/models`)).status).toBe(401);

    const anthropicRes = await fetch(`${env.origin}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'nope' }, body: JSON.stringify({ model: env.modelId, max_tokens: 2, messages: [{ role: 'user', content: 'x' }] }) });
    expect(anthropicRes.status).toBe(401);
    expect(await anthropicRes.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    // Both SDKs with the key work: Bearer (openai) and x-api-key (anthropic, through the loopback surface).
    const openai = new OpenAI({ baseURL: env.engine.baseUrl, apiKey: key, maxRetries: 0 });
    const reply = await openai.chat.completions.create({ model: env.modelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0 });
    expect(reply.choices[0]?.message.role).toBe('assistant');
    const claude = new Anthropic({ baseURL: env.origin, apiKey: key, maxRetries: 0 });
    const message = await claude.messages.create({ model: env.modelId, max_tokens: 2, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message.type).toBe('message');

    // The request log names the app, never the key.
    const log = await (await env.controlFetch('/homeport/v1/requests?limit=50')).text();
    expect(log).toContain('notes-app');
    expect(log).not.toContain(key);
    expect(logged).not.toContain(key);

    // An allowlisted key may use only its models.
    const limitedRes = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'limited', models: ['some-other-model'] }) });
    const limitedBody = (await limitedRes.json()) as { key: string; warnings: string[] };
    const limited = limitedBody.key;
    // A name nothing answers to now is kept, with a warning; a served model gets none.
    expect(limitedBody.warnings).toEqual([expect.stringContaining('No model or route is named "some-other-model" now')]);
    const servedRes = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'served', models: [env.modelId] }) });
    expect(await servedRes.json()).toMatchObject({ warnings: [] });
    expect((await env.controlFetch('/homeport/v1/keys/served', { method: 'DELETE' })).status).toBe(200);
    const refused = await chat({ authorization: `Bearer ${limited}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('model_not_allowed');

    // Revoked keys stop working at once; with no keys left the API is open again.
    expect((await env.controlFetch('/homeport/v1/keys/notes-app', { method: 'DELETE' })).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${key}` })).status).toBe(401);
    expect((await env.controlFetch('/homeport/v1/keys/limited', { method: 'DELETE' })).status).toBe(200);
    expect((await chat({})).status).toBe(200);
  });

  it('the panel on this machine uses /v1 with its control credential while keys exist, logged as the panel', async () => {
    const created = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'some-app' }) });
    expect(created.status).toBe(201);
    const withToken = await chat({ authorization: `Bearer ${env.controlToken}` });
    expect(withToken.status).toBe(200);
    const cookie = await chat({ cookie: `homeport_token_${new URL(env.origin).port}=${env.controlToken}` });
    expect(cookie.status).toBe(200);
    const crossSite = await chat({ cookie: `homeport_token_${new URL(env.origin).port}=${env.controlToken}`, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(401);
    const record = await (await env.controlFetch(`/homeport/v1/requests/${withToken.headers.get('x-homeport-request-id')}`)).text();
    expect(record).toContain('Homeport panel');
    expect(record).not.toContain(env.controlToken);
    await env.controlFetch('/homeport/v1/keys/some-app', { method: 'DELETE' });
  });

  it('a client cannot claim an app name by sending the header itself', async () => {
    const created = await env.controlFetch('/homeport/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'real-app' }) });
    const { key } = (await created.json()) as { key: string };
    const spoof = await chat({ authorization: `Bearer ${key}`, 'x-homeport-app': 'someone-else' });
    expect(spoof.status).toBe(200);
    const id = spoof.headers.get('x-homeport-request-id');
    const record = await (await env.controlFetch(`/homeport/v1/requests/${id}`)).json();
    expect(JSON.stringify(record)).toContain('real-app');
    expect(JSON.stringify(record)).not.toContain('someone-else');
    await env.controlFetch('/homeport/v1/keys/real-app', { method: 'DELETE' });
  });
});

describe('homeport keys (CLI)', () => {
  it('creates (printing the key once), lists and revokes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-keys-cli-'));
    const cli = ['--import', 'tsx', 'main/serve.ts', 'keys'];
    const created = await run(process.execPath, [...cli, 'create', 'ci-bot', '--models', 'a,b', '--data-dir', dataDir]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^hp-/);
    expect(created.stderr).toMatch(/shown only now/);
    const listed = await run(process.execPath, [...cli, 'list', '--data-dir', dataDir]);
    expect(listed.stdout).toMatch(/ci-bot\thp-/);
    expect(listed.stdout).toContain('models: a, b');
    expect(listed.stdout).not.toContain(key);
    expect(AppKeyStore.inStateDir(dataPaths(dataDir).state).verify(key)?.name).toBe('ci-bot');
    await run(process.execPath, [...cli, 'revoke', 'ci-bot', '--data-dir', dataDir]);
    await expect(run(process.execPath, [...cli, 'revoke', 'ci-bot', '--data-dir', dataDir])).rejects.toMatchObject({ code: 1 });
  });
});
