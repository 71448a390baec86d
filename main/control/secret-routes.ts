/**
 * Secrets over HTTP (mounted under /homeport/v1). Write-only: no response
 * ever carries a value.
 *
 *   GET    /secrets         [{ name, set, source: 'store' | 'env', env }]
 *   PUT    /secrets/:name   body { "value": "..." } → 204
 *   DELETE /secrets/:name   → 204, or 404 when nothing was stored
 */
import express, { Router, type Request, type Response } from 'express';
import { GatewayError } from '../gateway/errors.js';
import type { SecretResolver } from '../secrets/resolver.js';
import { SecretStoreError } from '../secrets/store.js';

export interface SecretRoutesOptions {
  readonly secrets: SecretResolver;
}

function asGatewayError(error: unknown): unknown {
  if (!(error instanceof SecretStoreError)) return error;
  if (error.code === 'invalid_name') return new GatewayError({ status: 400, code: 'invalid_value', param: 'name', message: error.message });
  if (error.code === 'invalid_value') return new GatewayError({ status: 400, code: 'invalid_value', param: 'value', message: error.message });
  return new GatewayError({ status: 500, code: 'secret_store_error', message: error.message });
}

export function createSecretRouter(options: SecretRoutesOptions): Router {
  const { secrets } = options;
  const router = Router();
  const json = express.json({ limit: '64kb' });

  router.get('/secrets', async function listSecrets(_req: Request, res: Response) {
    res.json({ object: 'list', data: await secrets.list().catch((e: unknown) => Promise.reject(asGatewayError(e))) });
  });

  router.put('/secrets/:name', json, async function setSecret(req: Request, res: Response) {
    const value = (req.body as { value?: unknown } | undefined)?.value;
    if (typeof value !== 'string' || value.length === 0) {
      throw new GatewayError({ status: 400, code: 'invalid_value', param: 'value', message: 'Send the secret as JSON: {"value": "..."} (a non-empty string).' });
    }
    try {
      await secrets.set(String(req.params.name), value);
    } catch (error) {
      throw asGatewayError(error);
    }
    res.status(204).end();
  });

  router.delete('/secrets/:name', async function deleteSecret(req: Request, res: Response) {
    let removed: boolean;
    try {
      removed = await secrets.delete(String(req.params.name));
    } catch (error) {
      throw asGatewayError(error);
    }
    if (!removed) {
      throw new GatewayError({ status: 404, code: 'secret_not_found', param: 'name', message: `No secret "${String(req.params.name)}" is stored (a value from the environment cannot be deleted here).` });
    }
    res.status(204).end();
  });

  return router;
}
