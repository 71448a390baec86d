/**
 * From a downloaded GGUF to an answer without leaving the panel: add the
 * folder it is in to the scan, find it in the library, serve and load it, and
 * ask it something through the public endpoint. Both changes are kept in the
 * config file.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { testModel } from '../support/models.js';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';
import type { Transport } from '../../preload/contract.js';

let t: TestEngine;
let transport: Transport;
let folder: string;

beforeAll(async () => {
  t = await startTestEngine();
  await writeFile(join(t.dataDir, 'config.json'), '{"port": 4663}\n');
  folder = join(t.dataDir, 'elsewhere');
  await mkdir(folder, { recursive: true });
  await copyFile(testModel('stories260K.gguf'), join(folder, 'tiny-downloaded.gguf'));
  transport = createHttpTransport({ baseUrl: t.origin, token: t.controlToken, backoff: { initialMs: 50, maxMs: 200 } });
});

afterAll(async () => {
  await t?.engine.stop();
});

describe('model folders', () => {
  it('adds a folder to the scan, saves it in the config, and refuses a relative path naming the field', async () => {
    expect(await transport.call('modelFolders')).toEqual({ ok: true, data: { folders: [] } });
    const saved = await transport.call('setModelFolders', { folders: [folder] });
    expect(saved).toEqual({ ok: true, data: { folders: [folder] } });
    const config = JSON.parse(await readFile(join(t.dataDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toEqual({ port: 4663, modelFolders: [folder] });

    const refused = await transport.call('setModelFolders', { folders: ['models/here'] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_value', param: 'folders' } });
    expect(await transport.call('modelFolders')).toEqual({ ok: true, data: { folders: [folder] } });
  });

  it('finds the file in the new folder, serves and loads it, and it answers on /v1', async () => {
    const scan = await transport.call('rescanLibrary', {});
    expect(scan.ok).toBe(true);
    if (!scan.ok) return;
    const found = scan.data.models.find((m) => m.files.some((f) => f.endsWith('tiny-downloaded.gguf')));
    expect(found, JSON.stringify(scan.data.roots)).toBeDefined();
    const served = await transport.call('serveLibraryModel', { id: found!.id });
    expect(served.ok).toBe(true);
    if (!served.ok) return;
    expect(served.data.path).toBe(join(folder, 'tiny-downloaded.gguf'));
    const list = await transport.call('models');
    expect(list.ok && list.data.data.some((m) => m.id === served.data.id)).toBe(true);

    const loaded = await transport.call('loadModel', { id: served.data.id });
    expect(loaded).toMatchObject({ ok: true, data: { id: served.data.id, state: 'loaded' } });
    const reply = await t.client.chat.completions.create({ model: served.data.id, messages: [{ role: 'user', content: 'Once' }], max_tokens: 3 });
    expect(reply.choices).toHaveLength(1);

    // Kept for the next start, once.
    await transport.call('serveLibraryModel', { id: found!.id });
    const config = JSON.parse(await readFile(join(t.dataDir, 'config.json'), 'utf8')) as { models?: { path: string }[] };
    expect(config.models).toEqual([{ path: join(folder, 'tiny-downloaded.gguf') }]);
  });

  it('says what to do when the library has no such model', async () => {
    const missing = await transport.call('serveLibraryModel', { id: 'no-such-file' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'model_not_found' } });
    expect(!missing.ok && missing.error.message).toMatch(/Scan the folders again/);
  });
});
