import express from 'express';
import type { Express } from 'express';
import type { GatewayOptions } from './types.js';
import type { BodyValidator } from './validate.js';
import { validateChatBody, validateCompletionBody, validateEmbeddingBody } from './validate.js';
import { createHostOriginGuard } from './guards.js';
import { createInferenceHandler } from './routes/inference.js';
import type { InferenceHandler } from './routes/inference.js';
import { createFastLane } from './fast-lane.js';
import { chainGuards, createAppKeyGuard } from './app-key-guard.js';
import type { FastLane } from './fast-lane.js';
import { createModelsRouter } from './routes/models.js';
import { createErrorHandler, methodNotAllowed, notFound } from './fallback.js';
import { createUpstreamDispatcher } from './upstream-call.js';
import { createControlAuth } from '../control/control-token.js';

/** The express app with what a listener needs to shut it down cleanly. */
export type GatewayApp = Express & {
  /** The port its Host/Origin allowlist was built for. */
  readonly gatewayPort: number;
  /** Closes the kept-alive connections to the runtimes. */
  readonly dispose: () => void;
  /**
   * Serves the inference routes without going through express (see fast-lane.ts).
   * listenGateway calls it first and hands the request to the app when it returns false.
   */
  readonly fastLane: FastLane;
};

const INFERENCE_ENDPOINTS: readonly { path: string; endpointName: string; validate: BodyValidator }[] = [
  { path: '/v1/chat/completions', endpointName: 'chat.completions', validate: validateChatBody },
  { path: '/v1/completions', endpointName: 'completions', validate: validateCompletionBody },
  { path: '/v1/embeddings', endpointName: 'embeddings', validate: validateEmbeddingBody },
];

/**
 * Homeport's gateway: the one OpenAI-compatible endpoint. Every request
 * passes the Host/Origin guard first; inference requests are routed to the
 * runtime serving the requested model and relayed back unbuffered.
 * The inference routes are also reachable through `fastLane`, which
 * listenGateway tries first (same handlers, without express's overhead).
 * No compression, no body-parsing middleware: the raw bytes are forwarded.
 */
export function createGateway(options: GatewayOptions): GatewayApp {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  const dispatcher = createUpstreamDispatcher();
  const hostGuard = createHostOriginGuard({ port: options.port, ...(options.extraHosts ? { extraHosts: options.extraHosts } : {}) });
  const guard = options.appKeys !== undefined ? chainGuards(hostGuard, createAppKeyGuard({ keys: options.appKeys, ...(options.controlToken ? { control: { token: options.controlToken, port: options.port } } : {}) })) : hostGuard;
  const errorHandler = createErrorHandler({ logError: options.logError });
  const hotRoutes = new Map<string, InferenceHandler>();
  app.use(guard);

  for (const endpoint of INFERENCE_ENDPOINTS) {
    const handler = createInferenceHandler({
      endpointName: endpoint.endpointName,
      path: endpoint.path,
      validate: endpoint.validate,
      models: options.models,
      metrics: options.metrics,
      bodyLimitBytes: options.bodyLimitBytes,
      readyDeadlineMs: options.readyDeadlineMs,
      dispatcher,
      ...(options.router ? { router: options.router } : {}),
      ...(options.requests ? { requests: options.requests } : {}),
      ...(options.refreshOnMiss ? { refreshOnMiss: options.refreshOnMiss } : {}),
    });
    hotRoutes.set(endpoint.path, handler);
    app.post(endpoint.path, handler);
    app.all(endpoint.path, methodNotAllowed('POST'));
  }
  if (options.surfaces !== undefined) {
    // The surfaces call the chat handler in process (surfaces/chat-client.ts) and share the fast lane.
    const chat = hotRoutes.get('/v1/chat/completions')!;
    const router = options.router;
    options.surfaces.connect({
      chat: (req, res) => void chat(req, res).catch((err: unknown) => errorHandler(err, req, res, () => undefined)),
      routeOf: (model) => router?.route(model),
      runtimes: { models: options.models, readyDeadlineMs: options.readyDeadlineMs },
    });
    for (const [path, handler] of options.surfaces.hot) hotRoutes.set(path, handler);
    app.use(options.surfaces.router);
  }
  if (options.metricsRoute !== undefined) app.use(options.metricsRoute);
  app.use(createModelsRouter(options.models));
  if (options.controlRoutes !== undefined) {
    if (!options.controlToken) throw new Error('The control API needs a control token (GatewayOptions.controlToken).');
    // Every /homeport path, known or not, needs the token first.
    app.use('/homeport', createControlAuth({ token: options.controlToken, port: options.port }));
    app.use('/homeport/v1', options.controlRoutes);
  }
  if (options.panel !== undefined) app.use(options.panel);

  app.use(notFound);
  app.use(errorHandler);

  return Object.assign(app, {
    gatewayPort: options.port,
    dispose: () => void dispatcher.destroy().catch(() => undefined),
    fastLane: createFastLane({ guard, routes: hotRoutes, onError: errorHandler }),
  });
}

export { listenGateway } from './listen.js';
export type { ListenGatewayOptions, ListeningGateway } from './listen.js';
