/**
 * The feature probe through the control API:
 *   POST /models/:id/probe {apiKey?}  runs the battery through the gateway and answers with the report
 *                                     (apiKey: an app key, needed once keys exist; never kept)
 *   GET  /models/:id/probe            the newest report for the runtime version serving the model now,
 *                                     plus every earlier report of the model (`history`)
 */
import { Router, json, type Request, type Response } from 'express';
import { z } from 'zod';
import { UnknownModelError, type ProbeService } from '../probe/probe-service.js';
import type { ProbeStore } from '../probe/probe-store.js';

const probeBody = z.object({ apiKey: z.string().min(1).optional() }).strict();

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { message, type: status === 404 ? 'not_found_error' : 'invalid_request_error', param: null, code } });
}

export function createProbeRouter(options: { readonly probes: ProbeService; readonly store: ProbeStore }): Router {
  const router = Router();
  router.post('/models/:id/probe', json({ limit: '16kb' }), async function runProbe(req: Request, res: Response, next) {
    const parsed = probeBody.safeParse(req.body ?? {});
    if (!parsed.success) return fail(res, 400, 'invalid_value', `Send {} or {"apiKey": "..."} (${parsed.error.issues[0]?.message ?? 'invalid body'}).`);
    try {
      const report = await options.probes.probe(String(req.params.id), parsed.data.apiKey !== undefined ? { apiKey: parsed.data.apiKey } : {});
      res.json(report);
    } catch (error) {
      if (error instanceof UnknownModelError) return fail(res, 404, 'model_not_found', error.message);
      next(error);
    }
  });
  router.get('/models/:id/probe', function readProbe(req: Request, res: Response) {
    const id = String(req.params.id);
    const current = options.probes.current(id);
    const history = options.store.history(options.probes.idOf(id));
    if (current === undefined && history.length === 0) return fail(res, 404, 'not_probed', `"${id}" has not been probed. POST /homeport/v1/models/${id}/probe runs the probe.`);
    res.json({ current: current ?? null, history });
  });
  return router;
}
