/**
 * Hugging Face browsing and model downloads over HTTP (mounted under /homeport/v1):
 *
 *   POST   /hub/search {q, limit}                GGUF model repos, most downloaded first
 *   POST   /hub/repos/:owner/:name/files {revision}  GGUF files: size, quant, split grouping, a rough fit each
 *   POST   /downloads {repo, file}               202 {id, ...}: starts a download into the models folder
 *   GET    /downloads                            every download with its state and progress
 *   GET    /downloads/:id                        one download
 *   GET    /downloads/:id/events                 server-sent events: state, progress…, verifying, done | error | cancelled
 *   DELETE /downloads/:id                        cancel (partial files are kept for a resume)
 *
 * The token for gated and private repos comes from the secret store, inside
 * the service; nothing here sees it.
 *
 * The two hub calls go out to Hugging Face with that token, so they are
 * POSTs: a browser sends an Origin with every POST, which the gateway's
 * guard checks, while a GET from any page's `<img>` carries none. Their
 * parameters come from a JSON body or the query string; a GET is a 405.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { DownloadStreamEvents, LibraryService } from '../models/library/service.js';
import { isTerminalEvent } from '../models/library/service.js';
import { parseParams, wholeNumberParam } from './library-routes.js';
import { serveEvents } from './sse-stream.js';
import { methodNotAllowed } from '../gateway/fallback.js';

export interface DownloadRoutesOptions {
  readonly service: Pick<LibraryService, 'searchHub' | 'hubFiles' | 'startDownload' | 'downloads' | 'download' | 'watchDownload' | 'cancelDownload'>;
  /** SSE heartbeat interval (tests shorten it). */
  readonly heartbeatMs?: number;
}

const searchQuerySchema = z.object({
  q: z.string({ error: 'q must be given once, as text' }).max(200, { error: 'q must be at most 200 characters' }).optional(),
  limit: wholeNumberParam('limit', 1, 100).optional(),
});

const filesQuerySchema = z.object({
  revision: z
    .string({ error: 'revision must be given once' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, { error: 'revision must be a branch, tag or commit name' })
    .optional(),
});

const downloadBodySchema = z.object(
  {
    repo: z.string({ error: 'repo must be a Hugging Face repository id, e.g. "ggml-org/tiny-llamas"' }).min(3).max(200),
    file: z
      .string({ error: 'file must be the path of a .gguf file in the repository' })
      .min(1, { error: 'file must not be empty' })
      .max(500)
      .refine((file) => file.toLowerCase().endsWith('.gguf'), { error: 'file must be a .gguf file (any part of a split model brings all parts)' }),
  },
  { error: 'Send a JSON body: {"repo": "owner/name", "file": "model.gguf"}' },
);

/** The query string's parameters, then a JSON body's fields over them (numbers as text, so one schema reads both). */
function postedParams(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.entries(body as Record<string, unknown>) : [];
  return { ...(req.query as Record<string, unknown>), ...Object.fromEntries(fields.map(([key, value]) => [key, typeof value === 'number' ? String(value) : value])) };
}

export function createDownloadRouter(options: DownloadRoutesOptions): Router {
  const { service } = options;
  const router = Router();
  const jsonBody = express.json({ limit: '16kb' });

  router.post('/hub/search', jsonBody, async function searchHub(req: Request, res: Response) {
    const query = parseParams(searchQuerySchema, postedParams(req));
    res.json(await service.searchHub(query.q ?? '', query.limit ?? 20));
  });
  router.all('/hub/search', methodNotAllowed('POST'));

  router.post('/hub/repos/:owner/:name/files', jsonBody, async function repoFiles(req: Request, res: Response) {
    const query = parseParams(filesQuerySchema, postedParams(req));
    res.json(await service.hubFiles(`${String(req.params.owner)}/${String(req.params.name)}`, query.revision));
  });
  router.all('/hub/repos/:owner/:name/files', methodNotAllowed('POST'));

  router.post('/downloads', jsonBody, async function startDownload(req: Request, res: Response) {
    const body = parseParams(downloadBodySchema, req.body);
    const download = await service.startDownload(body);
    res.status(202).location(`/homeport/v1/downloads/${download.id}`).json(download);
  });

  router.get('/downloads', function listDownloads(_req: Request, res: Response) {
    res.json({ downloads: service.downloads() });
  });

  router.get('/downloads/:id', function oneDownload(req: Request, res: Response) {
    res.json(service.download(String(req.params.id)));
  });

  router.get('/downloads/:id/events', async function downloadEvents(req: Request, res: Response) {
    const id = String(req.params.id);
    service.download(id); // a 404 before the stream opens
    await serveEvents<DownloadStreamEvents>(
      res,
      async function streamDownload(stream) {
        const stop = service.watchDownload(id, (event) => {
          stream.sendEvent(event);
          if (isTerminalEvent(event)) stream.close();
        });
        try {
          await stream.closed;
        } finally {
          stop();
        }
      },
      { heartbeatMs: options.heartbeatMs },
    );
  });

  router.delete('/downloads/:id', function cancelDownload(req: Request, res: Response) {
    res.status(202).json(service.cancelDownload(String(req.params.id)));
  });

  return router;
}
