/**
 * The Playground's saved conversations and presets over HTTP (mounted under /homeport/v1):
 *
 *   GET    /playground/conversations?q=&limit=         newest first, without messages; q searches titles and messages
 *   POST   /playground/conversations                    201: saves a new conversation
 *   GET    /playground/conversations/:id                one conversation, whole
 *   PUT    /playground/conversations/:id                saves (creates or replaces) it
 *   DELETE /playground/conversations/:id                204
 *   GET    /playground/conversations/:id/export?format=json|markdown   a download (Content-Disposition)
 *   GET    /playground/presets                          every preset, by name
 *   POST   /playground/presets                          201: saves a new preset
 *   PUT    /playground/presets/:id                      saves (creates or replaces) it
 *   DELETE /playground/presets/:id                      204
 *
 * Chat itself does not go through here: the Playground is a client of the
 * public /v1/chat/completions endpoint like any app.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GatewayError } from '../gateway/errors.js';
import { exportConversation } from '../playground/export.js';
import { conversationInputSchema, presetInputSchema } from '../playground/schema.js';
import type { PlaygroundStore } from '../playground/store.js';
import { parseParams, wholeNumberParam } from './library-routes.js';

export interface PlaygroundRoutesOptions {
  readonly store: PlaygroundStore;
}

const listQuerySchema = z.object({
  q: z.string({ error: 'q must be given once, as text' }).max(200, { error: 'q must be at most 200 characters' }).optional(),
  limit: wholeNumberParam('limit', 1, 1000).optional(),
});

const exportQuerySchema = z.object({
  format: z.enum(['json', 'markdown'], { error: 'format must be "json" or "markdown"' }).default('json'),
});

const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, { error: 'id must be letters, digits, "-" or "_" (at most 100)' });

export function createPlaygroundRouter(options: PlaygroundRoutesOptions): Router {
  const { store } = options;
  const router = Router();
  // Conversations carry whole chats; 8 MB leaves room for long ones without inviting abuse.
  const jsonBody = express.json({ limit: '8mb' });

  router.get('/playground/conversations', function listConversations(req: Request, res: Response) {
    const query = parseParams(listQuerySchema, req.query);
    res.json({ object: 'list', data: store.listConversations({ ...(query.q ? { search: query.q } : {}), limit: query.limit ?? 100 }) });
  });

  router.post('/playground/conversations', jsonBody, function createConversation(req: Request, res: Response) {
    const saved = store.saveConversation(parseParams(conversationInputSchema, req.body));
    res.status(201).location(`/homeport/v1/playground/conversations/${saved.id}`).json(saved);
  });

  router.get('/playground/conversations/:id', function getConversation(req: Request, res: Response) {
    res.json(findConversation(store, req));
  });

  router.put('/playground/conversations/:id', jsonBody, function saveConversation(req: Request, res: Response) {
    const id = parseParams(idSchema, String(req.params.id));
    res.json(store.saveConversation(parseParams(conversationInputSchema, req.body), id));
  });

  router.delete('/playground/conversations/:id', function deleteConversation(req: Request, res: Response) {
    const id = String(req.params.id);
    if (!store.deleteConversation(id)) throw notFound('conversation', id);
    res.status(204).end();
  });

  router.get('/playground/conversations/:id/export', function exportOne(req: Request, res: Response) {
    const conversation = findConversation(store, req);
    const { format } = parseParams(exportQuerySchema, req.query);
    const file = exportConversation(conversation, format);
    res
      .status(200)
      .type(file.contentType)
      .set('Content-Disposition', `attachment; filename="${file.filename}"`)
      .send(file.body);
  });

  router.get('/playground/presets', function listPresets(_req: Request, res: Response) {
    res.json({ object: 'list', data: store.listPresets() });
  });

  router.post('/playground/presets', jsonBody, function createPreset(req: Request, res: Response) {
    const saved = store.savePreset(parseParams(presetInputSchema, req.body));
    res.status(201).location(`/homeport/v1/playground/presets/${saved.id}`).json(saved);
  });

  router.put('/playground/presets/:id', jsonBody, function savePreset(req: Request, res: Response) {
    const id = parseParams(idSchema, String(req.params.id));
    res.json(store.savePreset(parseParams(presetInputSchema, req.body), id));
  });

  router.delete('/playground/presets/:id', function deletePreset(req: Request, res: Response) {
    const id = String(req.params.id);
    if (!store.deletePreset(id)) throw notFound('preset', id);
    res.status(204).end();
  });

  return router;
}

function findConversation(store: PlaygroundStore, req: Request) {
  const id = String(req.params.id);
  const conversation = store.getConversation(id);
  if (!conversation) throw notFound('conversation', id);
  return conversation;
}

function notFound(what: 'conversation' | 'preset', id: string): GatewayError {
  return new GatewayError({
    status: 404,
    message: `No saved ${what} "${id}". GET /homeport/v1/playground/${what}s lists them.`,
    param: 'id',
    code: `${what}_not_found`,
  });
}
