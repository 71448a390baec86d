/**
 * Serving what the library found, and where it looks (mounted under /homeport/v1):
 *
 *   POST /library/:id/serve   serve a library model that is not served yet: it joins the endpoint
 *                             at once (loaded on demand or with loadModel) and is kept in the
 *                             config's `models`, so it is served at the next start too
 *   GET  /library/folders     the folders added to the scan (`modelFolders` in the config)
 *   PUT  /library/folders     replace them: validated, saved, used from the next scan on
 *
 * The usual folders (Homeport's models folder, the Hugging Face cache, LM Studio's and
 * Ollama's) are always scanned; they are not in this list.
 */
import express, { Router, type Request, type Response } from 'express';
import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../gateway/errors.js';
import type { LibraryService } from '../models/library/service.js';
import { editConfigFile } from './config-file-edit.js';
import { parseParams } from './library-routes.js';

export interface LibraryServeRoutesOptions {
  readonly service: Pick<LibraryService, 'library'>;
  /** The engine's hook: serve a GGUF file now; answers the model id. */
  readonly serve: (path: string) => Promise<string>;
  /** The folders the next scan adds (the engine reads it at each scan). */
  readonly folders: { list: string[] };
  readonly configFile: string;
}

const foldersSchema = z
  .object({
    folders: z
      .array(
        z
          .string({ error: 'each folder must be a path' })
          .min(1, { error: 'a folder path must not be empty' })
          .max(4096)
          .refine((path) => isAbsolute(path), { error: 'each folder must be a full path, like /home/you/models' }),
      )
      .max(64, { error: 'at most 64 folders' }),
  })
  .strict();

export function createLibraryServeRouter(options: LibraryServeRoutesOptions): Router {
  const router = Router();
  const jsonBody = express.json({ limit: '64kb' });

  router.post('/library/:id/serve', async function serveLibraryModel(req: Request, res: Response) {
    const wanted = String(req.params.id);
    const model = (await options.service.library({})).models.find((m) => m.id === wanted);
    if (!model) throw new GatewayError({ status: 404, code: 'model_not_found', param: 'id', message: `The library has no model "${wanted}". Scan the folders again if the file is new.` });
    const path = model.files[0];
    if (!path) throw new GatewayError({ status: 409, code: 'model_has_no_file', message: `"${wanted}" has no file to serve.` });
    const id = await options.serve(path);
    await editConfigFile(options.configFile, (raw) => {
      const models = Array.isArray(raw.models) ? (raw.models as unknown[]) : [];
      const listed = models.some((m) => typeof m === 'object' && m !== null && (m as { path?: unknown }).path === path);
      return listed ? raw : { ...raw, models: [...models, { path }] };
    });
    res.json({ id, path });
  });

  router.get('/library/folders', function listFolders(_req: Request, res: Response) {
    res.json({ folders: options.folders.list });
  });

  router.put('/library/folders', jsonBody, async function setFolders(req: Request, res: Response) {
    const { folders } = parseParams(foldersSchema, req.body ?? {});
    const unique = [...new Set(folders.map((f) => normalize(f)))];
    const saved = await editConfigFile(options.configFile, (raw) => ({ ...raw, modelFolders: unique }));
    options.folders.list = [...saved.modelFolders];
    res.json({ folders: options.folders.list });
  });

  return router;
}
