/**
 * The request log over HTTP (mounted under /homeport/v1):
 *
 *   GET /requests?tier=&model=&route=&since=&limit=   finished records, newest first, plus those in flight
 *   GET /requests/events                              SSE: `started`, `phase` (queued/prefill/generating, tok/s so far), `finished`
 *   GET /requests/totals?days=N                       per day: requests and tokens per tier, cloud spend, savings
 *   GET /requests/:id                                 one record with its full trace (in flight or finished)
 */
import { Router, type Request, type Response } from 'express';
import { GatewayError } from '../gateway/errors.js';
import type { RequestLog, RequestEvent } from '../requests/request-log.js';
import type { RequestEvents, Tier } from '../requests/types.js';
import { serveEvents } from './sse-stream.js';

const TIERS: readonly Tier[] = ['cache', 'local', 'network', 'cloud'];

export interface RequestRoutesOptions {
  readonly log: RequestLog;
  readonly heartbeatMs?: number;
}

function badParam(param: string, message: string): GatewayError {
  return new GatewayError({ status: 400, code: 'invalid_value', param, message });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function wholeNumber(req: Request, param: string, min: number, max: number): number | undefined {
  const raw = text(req.query[param]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badParam(param, `${param} must be a whole number from ${min} to ${max}.`);
  return n;
}

export function createRequestRouter(options: RequestRoutesOptions): Router {
  const { log } = options;
  const router = Router();

  router.get('/requests', function requests(req: Request, res: Response) {
    const tier = text(req.query.tier);
    if (tier !== undefined && !TIERS.includes(tier as Tier)) throw badParam('tier', `tier must be one of ${TIERS.join(', ')}.`);
    let since = wholeNumber(req, 'since', 0, Number.MAX_SAFE_INTEGER);
    if (since === undefined && text(req.query.since) !== undefined) since = Date.parse(String(req.query.since));
    const limit = wholeNumber(req, 'limit', 1, 1000);
    const model = text(req.query.model);
    const route = text(req.query.route);
    res.json({
      records: log.query({ ...(tier ? { tier: tier as Tier } : {}), ...(model ? { model } : {}), ...(route ? { route } : {}), ...(since !== undefined ? { since } : {}), ...(limit ? { limit } : {}) }),
      inFlight: log.inFlight(),
    });
  });

  router.get('/requests/totals', function totals(req: Request, res: Response) {
    const days = wholeNumber(req, 'days', 1, 366) ?? 7;
    res.json({ days: log.totals(days) });
  });

  router.get('/requests/events', async function events(_req: Request, res: Response) {
    await serveEvents<RequestEvents>(
      res,
      async function streamRequests(stream) {
        const unsubscribe = log.subscribe((event: RequestEvent) => stream.sendEvent(event));
        try {
          await stream.closed;
        } finally {
          unsubscribe();
        }
      },
      { heartbeatMs: options.heartbeatMs },
    );
  });

  router.get('/requests/:id', function oneRequest(req: Request, res: Response) {
    const id = String(req.params.id);
    const record = log.get(id);
    if (!record) throw new GatewayError({ status: 404, code: 'request_not_found', param: 'id', message: `No request "${id}" in the log (it keeps the last 10,000).` });
    res.json(record);
  });

  return router;
}
