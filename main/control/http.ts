import { Router, type Request, type Response } from 'express';
import type { RuntimeHandle } from '../runtimes/types.js';
import type { EngineStatus } from './status.js';
import type { ModelView } from './model-list.js';
import type { Decision } from '../lifecycle/decisions.js';

export interface ControlApi {
  status(): Promise<EngineStatus>;
  runtime(id: string): RuntimeHandle | undefined;
  /** Every model with its load state, runtime, size, context, port and last use. */
  models(): readonly ModelView[];
  /** The newest lifecycle decisions (load, evict, unload) with their reasons. */
  decisions(limit: number): readonly Decision[];
  /** External runtimes: detection results, why any is unavailable, what Homeport owns or attached to. */
  runtimesInfo(): unknown;
  /** List the runtimes' models again; returns the ids added and removed. */
  refreshRuntimes(): Promise<unknown>;
  /** Models a runtime server offered and no longer does (`gone` beside `data` in GET /models): id, runtime, upstreamModel, detectedAt, goneSince. */
  goneModels?(): readonly unknown[];
}

/**
 * The engine's control API over HTTP, mounted by the gateway at /homeport/v1
 * behind the same Host and Origin guards. Errors share the OpenAI shape.
 */
export function createControlRouter(api: ControlApi): Router {
  const router = Router();

  router.get('/status', async function status(_req: Request, res: Response) {
    res.json(await api.status());
  });

  router.get('/models', function models(_req: Request, res: Response) {
    res.json({ object: 'list', data: api.models(), ...(api.goneModels ? { gone: api.goneModels() } : {}) });
  });

  router.get('/decisions', function decisions(req: Request, res: Response) {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      res.status(400).json({ error: { message: 'limit must be a whole number from 1 to 1000.', type: 'invalid_request_error', param: 'limit', code: 'invalid_value' } });
      return;
    }
    res.json({ object: 'list', data: api.decisions(limit) });
  });

  router.get('/runtimes', function runtimes(_req: Request, res: Response) {
    res.json(api.runtimesInfo());
  });

  router.post('/runtimes/refresh', async function refreshRuntimes(_req: Request, res: Response) {
    res.json(await api.refreshRuntimes());
  });

  router.get('/runtimes/:id/logs', function logs(req: Request, res: Response) {
    const runtime = findRuntime(api, req, res);
    if (runtime) res.json({ runtime: runtime.id, lines: runtime.logs() });
  });

  for (const action of ['start', 'stop', 'restart'] as const) {
    router.post(`/runtimes/:id/${action}`, async function runtimeAction(req: Request, res: Response) {
      const runtime = findRuntime(api, req, res);
      if (!runtime) return;
      await runtime[action]();
      res.json(runtime.snapshot());
    });
  }

  return router;
}

function findRuntime(api: ControlApi, req: Request, res: Response): RuntimeHandle | undefined {
  const id = String(req.params.id);
  const runtime = api.runtime(id);
  if (!runtime) {
    res.status(404).json({ error: { message: `No runtime "${id}". GET /homeport/v1/status lists the runtimes.`, type: 'invalid_request_error', param: 'id', code: 'runtime_not_found' } });
  }
  return runtime;
}
