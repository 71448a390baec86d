import { Router } from 'express';
import type { Request, Response } from 'express';
import type { ModelDirectory, ModelEntry } from '../types.js';
import { modelNotFound } from '../route-errors.js';
import { methodNotAllowed } from '../fallback.js';

/** One entry of `GET /v1/models`, with Homeport's own details under `homeport`. */
export interface ModelObject {
  readonly id: string;
  readonly object: 'model';
  readonly created: number;
  readonly owned_by: string;
  readonly homeport: {
    readonly state: string;
    readonly runtime: string;
    readonly aliases: readonly string[];
  };
}

function toModelObject(entry: ModelEntry): ModelObject {
  return {
    id: entry.id,
    object: 'model',
    created: entry.created,
    owned_by: entry.ownedBy,
    homeport: { state: entry.runtime.snapshot().state, runtime: entry.runtime.id, aliases: entry.aliases },
  };
}

/**
 * `GET /v1/models` lists every model once, by id (aliases are listed inside
 * each entry, so pickers do not show duplicates). `GET /v1/models/<id>`
 * accepts an id or an alias; ids may contain slashes (`org/name`).
 */
export function createModelsRouter(models: ModelDirectory): Router {
  const router = Router();

  router.get('/v1/models', function listModels(_req: Request, res: Response): void {
    res.json({ object: 'list', data: models.list().map(toModelObject) });
  });

  router.get('/v1/models/*id', function getModel(req: Request, res: Response): void {
    const segments = (req.params as { id?: string[] }).id ?? [];
    const name = segments.join('/');
    const entry = models.resolve(name);
    if (entry === undefined) throw modelNotFound(name, models.list());
    res.json(toModelObject(entry));
  });
  // HEAD is answered by the GET routes; anything else is the wrong method, not an unknown path.
  router.all(['/v1/models', '/v1/models/*id'], methodNotAllowed('GET'));

  return router;
}
