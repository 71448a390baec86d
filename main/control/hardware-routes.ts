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
 *
 * The live poll runs only while at least one client listens: each stream
 * subscribes to the shared monitor and unsubscribes when the client leaves.
 */
import { Router, type Request, type Response } from 'express';
import type { LiveSample } from '../hardware/live.js';
import type { LibraryService } from '../models/library/service.js';
import { serveEvents } from './sse-stream.js';

export interface HardwareRoutesOptions {
  readonly service: Pick<LibraryService, 'hardware' | 'refreshHardware' | 'subscribeLive'>;
  /** SSE heartbeat interval (tests shorten it). */
  readonly heartbeatMs?: number;
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
