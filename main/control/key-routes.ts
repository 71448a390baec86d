/**
 * App keys through the control API: GET /keys (names, prefixes, allowlists:
 * never a key or its hash), POST /keys {name, models?} (the one answer that
 * carries the new key), DELETE /keys/:name.
 */
import { Router, json, type Request, type Response } from 'express';
import { z } from 'zod';
import { KeyStoreError, type AppKeyStore } from '../keys/key-store.js';

const createSchema = z.object({ name: z.string().min(1), models: z.array(z.string().min(1)).optional() });

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { message, type: 'invalid_request_error', param: null, code } });
}

export function createKeyRouter(options: { readonly keys: AppKeyStore }): Router {
  const router = Router();
  router.get('/keys', (_req: Request, res: Response) => {
    res.json({ keys: options.keys.list(), required: options.keys.hasKeys() });
  });
  router.post('/keys', json({ limit: '16kb' }), (req: Request, res: Response) => {
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'invalid_value', `Send {"name": "...", "models": ["..."]} (${parsed.error.issues[0]?.message ?? 'invalid body'}).`);
    try {
      const created = options.keys.create(parsed.data.name, parsed.data.models ? { models: parsed.data.models } : {});
      res.status(201).json({ key: created.key, record: created.record });
    } catch (error) {
      if (error instanceof KeyStoreError && error.kind === 'name-taken') return fail(res, 409, 'key_exists', error.message);
      if (error instanceof KeyStoreError && error.kind === 'invalid-name') return fail(res, 400, 'invalid_value', error.message);
      throw error;
    }
  });
  router.delete('/keys/:name', (req: Request, res: Response) => {
    const name = String(req.params.name);
    if (!options.keys.revoke(name)) return fail(res, 404, 'not_found', `No app key named "${name}".`);
    res.json({ revoked: name, required: options.keys.hasKeys() });
  });
  return router;
}
