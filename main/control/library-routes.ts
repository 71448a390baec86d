/**
 * The model library over HTTP (mounted under /homeport/v1):
 *
 *   GET  /library                     the last scan: every model with metadata, sources and a fit verdict; broken
 *                                     files with reasons (`scannedAt: null` and no models before the first scan)
 *   POST /library/rescan              scan the model folders (the only call that does)
 *   GET  /library/:id/fit             the full fit decision and a decode-speed range
 *   GET  /library/:id/prediction      predicted vs measured memory and tok/s
 *
 * `ctx` (tokens per slot), `slots` and `kv` (f16 | q8_0 | q4_0) are optional
 * query parameters everywhere; a bad one is a 400 naming it.
 *
 * The GETs never scan a disk or run the bandwidth test (any page can make a
 * browser send a GET without an Origin); they answer from the last scan.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { GatewayError, invalidField } from '../gateway/errors.js';
import { KV_CACHE_TYPES } from '../hardware/memory-estimate.js';
import type { LibraryService, SetupQuery } from '../models/library/service.js';

/** Query strings arrive as text (or arrays when repeated): a whole number within bounds, given once. */
export function wholeNumberParam(name: string, min: number, max: number) {
  return z
    .string({ error: `${name} must be given once, as a whole number` })
    .regex(/^\d{1,9}$/, { error: `${name} must be a whole number` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { error: `${name} must be between ${min} and ${max}` });
}

export const setupQuerySchema = z.object({
  ctx: wholeNumberParam('ctx', 1, 1_048_576).optional(),
  slots: wholeNumberParam('slots', 1, 256).optional(),
  kv: z.enum(KV_CACHE_TYPES, { error: `kv must be one of ${KV_CACHE_TYPES.join(', ')}` }).optional(),
});

const predictionQuerySchema = setupQuerySchema.extend({
  gpuLayers: z
    .string({ error: 'gpuLayers must be given once, as a whole number' })
    .regex(/^\d{1,4}$/, { error: 'gpuLayers must be a whole number (0 for CPU only)' })
    .transform(Number)
    .optional(),
});

/** Parse with a zod schema; the first problem becomes a 400 naming its parameter. */
export function parseParams<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.length ? String(issue.path[0]) : null;
  const message = issue?.message ?? 'The request is not valid.';
  throw param === null ? new GatewayError({ status: 400, code: 'invalid_value', message }) : invalidField(param, message);
}

export function toSetup(query: z.infer<typeof setupQuerySchema>): SetupQuery {
  return {
    ...(query.ctx !== undefined ? { contextSize: query.ctx } : {}),
    ...(query.slots !== undefined ? { slots: query.slots } : {}),
    ...(query.kv !== undefined ? { kvCacheType: query.kv } : {}),
  };
}

export interface LibraryRoutesOptions {
  readonly service: Pick<LibraryService, 'library' | 'rescan' | 'fit' | 'prediction'>;
}

export function createLibraryRouter(options: LibraryRoutesOptions): Router {
  const { service } = options;
  const router = Router();

  router.get('/library', async function library(req: Request, res: Response) {
    res.json(await service.library(toSetup(parseParams(setupQuerySchema, req.query))));
  });

  router.post('/library/rescan', async function rescan(req: Request, res: Response) {
    res.json(await service.rescan(toSetup(parseParams(setupQuerySchema, req.query))));
  });

  router.get('/library/:id/fit', async function fit(req: Request, res: Response) {
    const setup = toSetup(parseParams(setupQuerySchema, req.query));
    res.json(await service.fit(String(req.params.id), setup));
  });

  router.get('/library/:id/prediction', async function prediction(req: Request, res: Response) {
    const query = parseParams(predictionQuerySchema, req.query);
    res.json(await service.prediction(String(req.params.id), { ...toSetup(query), ...(query.gpuLayers !== undefined ? { gpuLayers: query.gpuLayers } : {}) }));
  });

  return router;
}
