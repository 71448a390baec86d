import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, listenGateway, type ListeningGateway } from '../../main/gateway/app.js';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { createPlaygroundRouter } from '../../main/control/playground-routes.js';
import { PlaygroundStore } from '../../main/playground/store.js';
import type { Conversation, ConversationSummary, Preset } from '../../main/playground/schema.js';
import type { OpenAIErrorBody } from '../../main/gateway/errors.js';
import { TEST_CONTROL_TOKEN, controlFetch } from '../support/control-token.js';

// The Playground routes on a real gateway (guards, body parsing and error handler included), with a real SQLite file.
let dir: string;
let store: PlaygroundStore;
let gateway: ListeningGateway;
let base: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-playground-routes-'));
  store = new PlaygroundStore({ path: join(dir, 'playground.sqlite') });
  const control = Router();
  control.use(createPlaygroundRouter({ store }));
  const port = await allocatePort({ host: '127.0.0.1' });
  const app = createGateway({
    port,
    models: { resolve: () => undefined, list: () => [] },
    metrics: new ModelMetrics(),
    bodyLimitBytes: 1 << 20,
    readyDeadlineMs: 1000,
    controlRoutes: control,
    controlToken: TEST_CONTROL_TOKEN,
    logError: () => undefined,
  });
  gateway = await listenGateway(app, { port, host: '127.0.0.1' });
  base = `http://127.0.0.1:${port}/homeport/v1/playground`;
});
afterAll(async () => {
  await gateway?.close();
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function call(path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await controlFetch(TEST_CONTROL_TOKEN, `${base}${path}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined ? { headers: { 'content-type': 'application/json' }, body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, headers: response.headers };
}

function errorOf(body: unknown) {
  const error = (body as OpenAIErrorBody).error;
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return error;
}

const conversation = {
  systemPrompt: 'You tell short stories.',
  parameters: { temperature: 0.7, topP: 0.9, maxTokens: 100, seed: 42, stop: ['\n\n'] },
  lanes: [
    { target: { kind: 'model', id: 'stories260K' }, messages: [{ role: 'user', content: 'A story about a lighthouse' }, { role: 'assistant', content: 'Once there was a **lighthouse**.' }] },
    { target: { kind: 'route', id: 'chat' }, messages: [{ role: 'user', content: 'A story about a lighthouse' }, { role: 'assistant', content: 'The lamp was bright.' }] },
  ],
};

describe('conversations over HTTP', () => {
  it('answers 401 without the control token', async () => {
    const response = await fetch(`${base}/conversations`);
    expect(response.status).toBe(401);
  });

  it('creates, lists, searches, reads, replaces and deletes', async () => {
    const created = await call('/conversations', { method: 'POST', body: conversation });
    expect(created.status).toBe(201);
    const saved = created.body as Conversation;
    expect(created.headers.get('location')).toBe(`/homeport/v1/playground/conversations/${saved.id}`);
    expect(saved.title).toBe('A story about a lighthouse');
    expect(saved.lanes).toHaveLength(2);

    const list = await call('/conversations');
    expect((list.body as { data: ConversationSummary[] }).data.map((c) => c.id)).toContain(saved.id);
    const found = await call('/conversations?q=LAMP%20was');
    expect((found.body as { data: ConversationSummary[] }).data.map((c) => c.id)).toEqual([saved.id]);
    const none = await call('/conversations?q=submarine');
    expect((none.body as { data: unknown[] }).data).toEqual([]);

    expect((await call(`/conversations/${saved.id}`)).body).toEqual(saved);

    const replaced = await call(`/conversations/${saved.id}`, { method: 'PUT', body: { ...conversation, title: 'Lighthouse' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: saved.id, title: 'Lighthouse', createdAt: saved.createdAt });

    expect((await call(`/conversations/${saved.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await call(`/conversations/${saved.id}`);
    expect(gone.status).toBe(404);
    expect(errorOf(gone.body)).toMatchObject({ code: 'conversation_not_found', param: 'id', type: 'invalid_request_error' });
    expect(errorOf((await call(`/conversations/${saved.id}`, { method: 'DELETE' })).body).code).toBe('conversation_not_found');
  });

  it('saves under an id the panel chose', async () => {
    const put = await call('/conversations/panel-chosen-1', { method: 'PUT', body: conversation });
    expect(put.status).toBe(200);
    expect((put.body as Conversation).id).toBe('panel-chosen-1');
    const bad = await call('/conversations/..%2Fetc', { method: 'PUT', body: conversation });
    expect(bad.status).toBe(400);
  });

  it('answers a bad body with a 400 naming the field', async () => {
    const noLanes = await call('/conversations', { method: 'POST', body: { lanes: [] } });
    expect(noLanes.status).toBe(400);
    expect(errorOf(noLanes.body)).toMatchObject({ param: 'lanes', code: 'invalid_value' });
    expect(errorOf(noLanes.body).message).toMatch(/at least one lane/);
    const badTemp = await call('/conversations', { method: 'POST', body: { ...conversation, parameters: { temperature: 9 } } });
    expect(badTemp.status).toBe(400);
    expect(errorOf(badTemp.body).param).toBe('parameters');
    const notJson = await call('/conversations', { method: 'POST', body: '{"lanes": [' });
    expect(notJson.status).toBe(400);
    errorOf(notJson.body);
    const badLimit = await call('/conversations?limit=0');
    expect(errorOf(badLimit.body)).toMatchObject({ param: 'limit' });
  });

  it('exports JSON and Markdown as downloads', async () => {
    const saved = (await call('/conversations', { method: 'POST', body: conversation })).body as Conversation;
    const json = await call(`/conversations/${saved.id}/export?format=json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.headers.get('content-disposition')).toBe('attachment; filename="a-story-about-a-lighthouse.json"');
    expect((json.body as { conversation: Conversation }).conversation).toEqual(saved);

    const md = await call(`/conversations/${saved.id}/export?format=markdown`);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(md.text).toContain('## Route: chat');
    expect(md.text).toContain('Once there was a **lighthouse**.');
    expect(md.text).toContain('stop "\\n\\n"');

    const bad = await call(`/conversations/${saved.id}/export?format=pdf`);
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).param).toBe('format');
  });
});

describe('presets over HTTP', () => {
  it('creates, lists, replaces and deletes', async () => {
    const created = await call('/presets', { method: 'POST', body: { name: 'Precise', systemPrompt: 'Answer exactly.', parameters: { temperature: 0, seed: 1 } } });
    expect(created.status).toBe(201);
    const preset = created.body as Preset;
    expect((await call('/presets')).body).toMatchObject({ data: [{ id: preset.id, name: 'Precise' }] });
    const put = await call(`/presets/${preset.id}`, { method: 'PUT', body: { name: 'Precise v2', parameters: { temperature: 0.1 } } });
    expect(put.body).toMatchObject({ id: preset.id, name: 'Precise v2', parameters: { temperature: 0.1 } });
    expect((await call(`/presets/${preset.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call('/presets')).body).toMatchObject({ data: [] });
    const missing = await call('/presets', { method: 'POST', body: { systemPrompt: 'no name' } });
    expect(missing.status).toBe(400);
    expect(errorOf(missing.body).param).toBe('name');
  });
});
