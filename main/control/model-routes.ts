/**
 * Loading, unloading and per-model settings over HTTP (mounted under /homeport/v1):
 *
 *   POST  /models/:id/load       load through the pool (admission, eviction with reasons); answers once ready
 *   POST  /models/:id/unload     unload (requests waiting for it are refused)
 *   GET   /models/:id/settings   context, parallel, GPU layers, idle TTL, aliases; what applies when
 *   PATCH /models/:id/settings   change some of them (validated; saved; the same values every load uses)
 *
 * While a load runs, GET /events/models shows the model `loading`; a load
 * the pool refuses (memory budget, limit) is a 409 with the pool's reason.
 */
import express, { Router, type Request, type Response } from 'express';
import type { ModelSettingsView, ModelView } from '../../preload/contract.js';
import { GatewayError } from '../gateway/errors.js';
import { parseParams } from './library-routes.js';
import { modelSettingsPatchSchema, type ModelSettingsPatch } from './model-settings.js';

export interface ModelControl {
  view(id: string): ModelView | undefined;
  load(id: string): Promise<void>;
  unload(id: string): Promise<void>;
  settings(id: string): ModelSettingsView | undefined;
  /** Throws GatewayError 409 when the patch touches a read-only setting or aliases clash. */
  updateSettings(id: string, patch: ModelSettingsPatch): Promise<ModelSettingsView>;
}

export function createModelRouter(control: ModelControl): Router {
  const router = Router();
  const jsonBody = express.json({ limit: '16kb' });

  const known = (req: Request): string => {
    const id = String(req.params.id);
    if (!control.view(id)) {
      throw new GatewayError({ status: 404, code: 'model_not_found', param: 'id', message: `No model "${id}". GET /homeport/v1/models lists them.` });
    }
    return id;
  };

  router.post('/models/:id/load', async function loadModel(req: Request, res: Response) {
    const id = known(req);
    try {
      await control.load(id);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new GatewayError({ status: 409, code: 'load_failed', message: `Could not load "${id}": ${(error as Error).message}` });
    }
    res.json(control.view(id));
  });

  router.post('/models/:id/unload', async function unloadModel(req: Request, res: Response) {
    const id = known(req);
    await control.unload(id);
    res.json(control.view(id));
  });

  router.get('/models/:id/settings', function modelSettings(req: Request, res: Response) {
    res.json(control.settings(known(req)));
  });

  router.patch('/models/:id/settings', jsonBody, async function updateModelSettings(req: Request, res: Response) {
    const id = known(req);
    const patch = parseParams(modelSettingsPatchSchema, req.body ?? {});
    res.json(await control.updateSettings(id, patch));
  });

  return router;
}
