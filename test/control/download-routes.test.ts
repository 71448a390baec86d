import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadResult, DownloadView, HubFilesView, LibraryView } from '../../main/models/library/service.js';
import type { OpenAIErrorBody } from '../../main/gateway/errors.js';
import type { DownloadProgress } from '../../main/models/download-events.js';
import type { ModelSearchResult } from '../../main/models/hub.js';
import { STORIES_SHA256, STORIES_SIZE } from '../fixtures/hf-hub-double.js';
import { startControlHarness, type ControlHarness, type ServerEvent } from './harness.js';

const TINY = 'ggml-org/tiny-llamas';
const SPLIT = 'homeport-test/tiny-split-GGUF';
const GATED = 'homeport-test/gated-llama-GGUF';
const WRONG_TOKEN = 'hf_WrongTokenThatMustNeverBeShown42';

let h: ControlHarness;

beforeAll(async () => {
  // Slow the hub's bodies down a little so a stream opened right after POST sees progress events.
  h = await startControlHarness({ hub: { chunkDelayMs: 15 } });
});
afterAll(async () => {
  await h?.close();
});

function errorOf(response: { status: number; body: unknown }): OpenAIErrorBody['error'] {
  const error = (response.body as OpenAIErrorBody).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return error;
}

async function post(path: string, body: unknown) {
  return h.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** POST a download and follow its events to the end. */
async function downloadAndFollow(repo: string, file: string): Promise<{ id: string; events: ServerEvent[] }> {
  const started = await post('/downloads', { repo, file });
  expect(started.status).toBe(202);
  const { id } = started.body as DownloadView;
  expect(started.headers.get('location')).toBe(`/homeport/v1/downloads/${id}`);
  const reader = await h.openEvents(`/downloads/${id}/events`);
  expect(reader.contentType).toMatch(/^text\/event-stream/);
  const events = await reader.rest();
  await reader.closedByServer();
  return { id, events };
}

async function ggufFiles(): Promise<string[]> {
  return (await readdir(h.modelsDir)).filter((name) => name.endsWith('.gguf')).sort();
}

describe('hub search and files', () => {
  it('searches GGUF repos on the hub', async () => {
    const { status, body } = await post('/hub/search', { q: 'llama', limit: 10 });
    expect(status).toBe(200);
    const ids = (body as { results: ModelSearchResult[] }).results.map((r) => r.id);
    expect(ids).toContain(TINY);
    expect(ids).toContain(GATED);
    expect(ids).not.toContain('someone/llama-safetensors'); // not GGUF
    expect(ids).not.toContain('homeport-test/private-llama-GGUF'); // private, no token
    const gated = (body as { results: ModelSearchResult[] }).results.find((r) => r.id === GATED);
    expect(gated?.gated).toBe('manual');
    expect(errorOf(await post('/hub/search', { q: 'llama', limit: 0 })).param).toBe('limit');
    expect((await post('/hub/search', { limit: 'abc' })).status).toBe(400);
    expect(errorOf(await post('/hub/search', { q: ['a', 'b'] })).param).toBe('q');
    // The query string works too (a POST without a body).
    const fromQuery = await h.api('/hub/search?q=tiny&limit=5', { method: 'POST' });
    expect((fromQuery.body as { results: ModelSearchResult[] }).results.map((r) => r.id)).toContain(TINY);
  });

  it('a GET of a hub call is a 405 and makes no outbound request (a page\'s <img> sends GETs without an Origin)', async () => {
    const before = h.hub.requests.length;
    for (const path of ['/hub/search?q=llama', `/hub/repos/${TINY}/files`]) {
      const res = await h.api(path);
      expect(res.status, path).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(errorOf(res).code).toBe('method_not_allowed');
    }
    expect(h.hub.requests.length).toBe(before);
  });

  it('lists a repo\'s GGUF files with quant, split grouping and a fit verdict from the file size', async () => {
    const { status, body } = await post(`/hub/repos/${SPLIT}/files`, {});
    expect(status).toBe(200);
    const view = body as HubFilesView;
    expect(view.repo).toBe(SPLIT);
    const byKey = new Map(view.groups.map((group) => [group.key, group]));
    expect([...byKey.keys()].sort()).toEqual(['Q4_K_M/tiny-Q4_K_M.gguf', 'mmproj-tiny-F16.gguf', 'tiny-IQ2_XS.gguf', 'tiny-Q8_0.gguf']);

    const single = byKey.get('tiny-Q8_0.gguf')!;
    expect(single).toMatchObject({ quant: 'Q8_0', totalSize: STORIES_SIZE, complete: true, projector: false, split: null });
    expect(single.fit?.verdict).toBe('full-gpu');
    expect(single.fit?.basis).toBe('file-size');
    expect(single.fit?.reason).toMatch(/file size/);
    expect(single.fit?.reason).toMatch(/metadata is only read after download/);

    const split = byKey.get('Q4_K_M/tiny-Q4_K_M.gguf')!;
    expect(split).toMatchObject({ quant: 'Q4_K_M', complete: true, split: { count: 3 }, totalSize: STORIES_SIZE });
    expect(split.files).toHaveLength(3);
    expect(byKey.get('tiny-IQ2_XS.gguf')).toMatchObject({ complete: false });
    expect(byKey.get('mmproj-tiny-F16.gguf')).toMatchObject({ projector: true, fit: null });

    // Each file carries its group and that group's verdict.
    const part = view.files.find((file) => file.path === 'Q4_K_M/tiny-Q4_K_M-00002-of-00003.gguf')!;
    expect(part).toMatchObject({ group: 'Q4_K_M/tiny-Q4_K_M.gguf', quant: 'Q4_K_M', split: { index: 2, count: 3 } });
    expect(part.fit?.verdict).toBe('full-gpu');
    expect(view.files.some((file) => file.path === '.gitattributes')).toBe(false);
  });

  it('maps hub failures to OpenAI-shaped errors', async () => {
    const missing = await post('/hub/repos/nobody/nothing/files', {});
    expect(missing.status).toBe(403); // the hub answers unknown and private repos alike without a token
    expect(errorOf(missing).code).toBe('hub_auth_required');
    const bad = await post('/hub/repos/bad..name/x/files', {});
    expect(bad.status).toBe(400);
    expect(errorOf(bad).param).toBe('repo');
    expect(errorOf(await post(`/hub/repos/${TINY}/files`, { revision: '../..' })).param).toBe('revision');
  });
});

describe('downloads', () => {
  it('downloads a model: progress events, then done after the library was rescanned', async () => {
    const { id, events } = await downloadAndFollow(TINY, 'stories260K.gguf');
    const names = events.map((event) => event.event);
    expect(names[0]).toBe('state');
    expect(names.at(-1)).toBe('done');
    expect(names).toContain('verifying');
    const progress = events.filter((event) => event.event === 'progress').map((event) => event.data as DownloadProgress);
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
    expect(progress.at(-1)).toMatchObject({ bytesDone: STORIES_SIZE, bytesTotal: STORIES_SIZE, file: 'stories260K.gguf' });
    expect(progress.at(-1)!.etaSec).toBe(0);
    expect(progress.some((p) => p.rateBytesPerSec > 0)).toBe(true);

    const done = events.at(-1)!.data as DownloadResult;
    expect(done.paths).toEqual([join(h.modelsDir, 'stories260K.gguf')]);
    expect(done.modelIds).toEqual(['stories260k']);
    expect(await ggufFiles()).toEqual(['corrupt.gguf', 'linked-stories.gguf', 'stories260K.gguf']);
    const bytes = await readFile(join(h.modelsDir, 'stories260K.gguf'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(STORIES_SHA256);

    // The library lists it without anyone calling rescan.
    const library = (await h.api('/library')).body as LibraryView;
    const model = library.models.find((m) => m.id === 'stories260k');
    expect(model?.metadata).toMatchObject({ architecture: 'llama', layers: 5 });
    expect(model?.fit.verdict).toBe('full-gpu');

    const list = (await h.api('/downloads')).body as { downloads: DownloadView[] };
    expect(list.downloads.find((d) => d.id === id)).toMatchObject({ state: 'done', repo: TINY, file: 'stories260K.gguf', error: null });
    expect(((await h.api(`/downloads/${id}`)).body as DownloadView).result?.modelIds).toEqual(['stories260k']);

    // A late subscriber gets the state and the final event, then the stream ends.
    const late = await h.openEvents(`/downloads/${id}/events`);
    const replay = await late.rest();
    expect(replay.map((event) => event.event)).toEqual(['state', 'done']);
  });

  it('cancels a running download: cancelled event, no .gguf, a second download of the same file is refused meanwhile', async () => {
    h.hub.inject(SPLIT, 'tiny-Q8_0.gguf', { kind: 'hold', afterBytes: 200_000 });
    const started = await post('/downloads', { repo: SPLIT, file: 'tiny-Q8_0.gguf' });
    expect(started.status).toBe(202);
    const { id } = started.body as DownloadView;
    const reader = await h.openEvents(`/downloads/${id}/events`);
    expect((await reader.next()).event).toBe('state');
    await h.hub.held;

    const twice = await post('/downloads', { repo: SPLIT, file: 'tiny-Q8_0.gguf' });
    expect(twice.status).toBe(409);
    expect(errorOf(twice).code).toBe('download_in_progress');

    const cancel = await h.api(`/downloads/${id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    expect((cancel.body as DownloadView).state).toBe('cancelling');
    const rest = await reader.rest();
    expect(rest.at(-1)?.event).toBe('cancelled');
    expect(rest.filter((event) => event.event === 'progress').length).toBeGreaterThan(0);
    const partPaths = (rest.at(-1)!.data as { partPaths: string[] }).partPaths;
    expect(partPaths).toEqual([join(h.modelsDir, '.tiny-Q8_0.gguf.part')]);
    expect(await ggufFiles()).not.toContain('tiny-Q8_0.gguf');
    expect(((await h.api(`/downloads/${id}`)).body as DownloadView).state).toBe('cancelled');

    const again = await h.api(`/downloads/${id}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect(errorOf(again).code).toBe('download_not_active');
  });

  it('a gated repo without a token fails with "auth required"; a wrong token never shows up anywhere; the right one works', async () => {
    const anonymous = await downloadAndFollow(GATED, 'stories260K-Q4_0.gguf');
    const failure = anonymous.events.at(-1)!;
    expect(failure.event).toBe('error');
    expect(failure.data).toMatchObject({ code: 'auth_required' });
    expect((failure.data as { message: string }).message).toMatch(/gated or private.*token/);
    expect(await ggufFiles()).not.toContain('stories260K-Q4_0.gguf');
    expect(((await h.api(`/downloads/${anonymous.id}`)).body as DownloadView).error?.code).toBe('auth_required');

    await h.secrets.set('huggingface-token', WRONG_TOKEN);
    const wrong = await downloadAndFollow(GATED, 'stories260K-Q4_0.gguf');
    expect(wrong.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'auth_required' } });
    expect((wrong.events.at(-1)!.data as { message: string }).message).toMatch(/A token was sent/);
    const sentWrong = h.hub.requests.filter((r) => r.headers.authorization === `Bearer ${WRONG_TOKEN}`);
    expect(sentWrong.length).toBeGreaterThan(0); // it was read from the secret store and used…

    await h.secrets.set('huggingface-token', h.hub.token);
    const right = await downloadAndFollow(GATED, 'stories260K-Q4_0.gguf');
    expect(right.events.at(-1)?.event).toBe('done');
    expect(await ggufFiles()).toContain('stories260K-Q4_0.gguf');

    await h.api('/downloads');
    await post(`/hub/repos/${GATED}/files`, {});
    const everything = h.seen.join('\n');
    expect(everything).not.toContain(WRONG_TOKEN); // …and never appeared in a response or event
    expect(everything).not.toContain(h.hub.token);
    expect(everything).not.toMatch(/hf_[A-Za-z0-9]{8,}/);
  });

  it('a split model comes down in all its parts; parts that are not a real GGUF are listed as broken', async () => {
    const { events } = await downloadAndFollow(SPLIT, 'Q4_K_M/tiny-Q4_K_M-00001-of-00003.gguf');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const result = done.data as DownloadResult;
    expect(result.paths.map((path) => path.slice(h.modelsDir.length + 1))).toEqual([
      'tiny-Q4_K_M-00001-of-00003.gguf',
      'tiny-Q4_K_M-00002-of-00003.gguf',
      'tiny-Q4_K_M-00003-of-00003.gguf',
    ]);
    expect(result.modelIds).toEqual([]);
    expect(result.broken).toHaveLength(1);
    expect(result.broken[0]!.displayName).toBe('tiny-Q4_K_M.gguf');
  });

  it('validates the request and names the bad field', async () => {
    const noRepo = await post('/downloads', { file: 'x.gguf' });
    expect(noRepo.status).toBe(400);
    expect(errorOf(noRepo).param).toBe('repo');
    const notGguf = await post('/downloads', { repo: TINY, file: 'README.md' });
    expect(errorOf(notGguf).param).toBe('file');
    const badRepo = await post('/downloads', { repo: 'not-a-repo-id', file: 'x.gguf' });
    expect(badRepo.status).toBe(400);
    expect(errorOf(badRepo).param).toBe('repo');
    const notJson = await h.api('/downloads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    const noBody = await h.api('/downloads', { method: 'POST' });
    expect(noBody.status).toBe(400);
    expect(errorOf(noBody).param).toBeNull();

    // A file the repo does not have: accepted, then the error event says so.
    const missing = await downloadAndFollow(TINY, 'nope.gguf');
    expect(missing.events.at(-1)).toMatchObject({ event: 'error', data: { code: 'file_not_found' } });
  });

  it('answers 404 for an unknown download id', async () => {
    const events = await h.api('/downloads/nope/events');
    expect(events.status).toBe(404);
    expect(errorOf(events)).toMatchObject({ param: 'id', code: 'download_not_found' });
    expect((await h.api('/downloads/nope', { method: 'DELETE' })).status).toBe(404);
    expect((await h.api('/downloads/nope')).status).toBe(404);
  });
});

describe('the gateway error handler', () => {
  it('logged no unexpected errors for these routes', () => {
    expect(h.loggedErrors).toEqual([]);
  });
});
