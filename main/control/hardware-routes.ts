/**
 * This machine over HTTP (mounted under /homeport/v1):
 *
 *   GET  /hardware           the cached snapshot: CPU, RAM, GPUs, OS, the fit's budget, and the memory
 *                            bandwidth when it is known without measuring (vendor table, an earlier measurement)
 *   POST /hardware/refresh   probe again (a driver installed, an eGPU plugged in) and measure the bandwidth
 *                            if nothing else knows it (a copy test of a few seconds, once per machine)
 *
 * A GET never starts heavy work: any page can make a browser send one (an
 * `<img>` carries no Origin for the guard to refuse). Work starts on POST.
 *   GET  /hardware/live      server-sent `sample` events (RAM, CPU load, GPU use) every ~2 s
 *   GET  /hardware/history   the RAM and CPU samples the engine kept (the last 10 minutes), oldest first,
 *                            so a chart opened now draws them at once; `?since=<ms>` for only the newer ones
 *
 * The live poll runs only while at least one client listens: each stream
 * subscribes to the shared monitor and unsubscribes when the client leaves.
 */
import { Router, type Request, type Response } from 'express';
import type { LiveSample } from '../hardware/live.js';
import type { HardwareHistoryView } from '../hardware/sample-history.js';
import type { LibraryService } from '../models/library/service.js';
import { serveEvents } from './sse-stream.js';

export interface HardwareRoutesOptions {
  readonly service: Pick<LibraryService, 'hardware' | 'refreshHardware' | 'subscribeLive'>;
  /** SSE heartbeat interval (tests shorten it). */
  readonly heartbeatMs?: number;
  /** The samples kept (main/hardware/history-recorder.ts); without it the history is empty and says it is not recorded. */
  readonly history?: { view(since?: number): HardwareHistoryView };
}

export interface LiveStreamEvents {
  sample: LiveSample;
}

export function createHardwareRouter(options: HardwareRoutesOptions): Router {
  const { service } = options;
  const router = Router();

  router.get('/hardware', async function hardware(_req: Request, res: Response) {
    res.json(await service.hardware());
  });

  router.post('/hardware/refresh', async function refresh(_req: Request, res: Response) {
    res.json(await service.refreshHardware());
  });

  router.get('/hardware/history', function history(req: Request, res: Response) {
    const raw = typeof req.query.since === 'string' ? Number(req.query.since) : undefined;
    if (raw !== undefined && !Number.isFinite(raw)) {
      res.status(400).json({ error: { message: '`since` must be a time in milliseconds since the epoch.', type: 'invalid_request_error', param: 'since', code: 'invalid_since' } });
      return;
    }
    res.json(options.history?.view(raw) ?? { samples: [], intervalMs: 2000, capacity: 0, recording: false });
  });

  router.get('/hardware/live', async function live(_req: Request, res: Response) {
    await serveEvents<LiveStreamEvents>(
      res,
      async function streamSamples(stream) {
        const unsubscribe = await service.subscribeLive((sample) => stream.send('sample', sample));
        try {
          await stream.closed;
        } finally {
          unsubscribe();
        }
      },
      { heartbeatMs: options.heartbeatMs },
    );
  });

  return router;
}
