/**
 * App keys through the control API: GET /keys (names, prefixes, allowlists:
 * never a key or its hash), POST /keys {name, models?} (the one answer that
 * carries the new key, with warnings for model names nothing answers to now),
 * DELETE /keys/:name.
 */
import { Router, json, type Request, type Response } from 'express';
import { z } from 'zod';
import { KeyStoreError, type AppKeyStore } from '../keys/key-store.js';

const createSchema = z.object({ name: z.string().min(1), models: z.array(z.string().min(1)).optional() });

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { message, type: 'invalid_request_error', param: null, code } });
}

export interface KeyRoutesOptions {
  readonly keys: AppKeyStore;
  /**
   * Whether a name in a key's model list answers now (a model id or alias, or a route). An unknown one is still
   * saved (the model may come later), with a warning in the answer.
   */
  readonly knows?: (model: string) => boolean;
}

/** What to tell about allowed names that nothing answers to now. */
export function unknownModelWarnings(models: readonly string[] | undefined, knows: ((model: string) => boolean) | undefined): string[] {
  if (!models || !knows) return [];
  return models.filter((model) => !knows(model)).map((model) => `No model or route is named "${model}" now: this key may use it once one is (check the spelling: GET /v1/models lists the names).`);
}

export function createKeyRouter(options: KeyRoutesOptions): Router {
  const router = Router();
  router.get('/keys', (_req: Request, res: Response) => {
    res.json({ keys: options.keys.list(), required: options.keys.hasKeys() });
  });
  router.post('/keys', json({ limit: '16kb' }), (req: Request, res: Response) => {
    const parsed = createSchema.safeParse(req.body);
    if (!parsed.success) return fail(res, 400, 'invalid_value', `Send {"name": "...", "models": ["..."]} (${parsed.error.issues[0]?.message ?? 'invalid body'}).`);
    try {
      const created = options.keys.create(parsed.data.name, parsed.data.models ? { models: parsed.data.models } : {});
      res.status(201).json({ key: created.key, record: created.record, warnings: unknownModelWarnings(parsed.data.models, options.knows) });
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
