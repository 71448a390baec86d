/**
 * The API surfaces beside OpenAI's chat completions: OpenAI's Responses API
 * and Anthropic's Messages API, both translated into chat completions and
 * handed in process to the gateway's own chat handler (chat-client.ts).
 * The POST routes are also served by the gateway's fast lane; express serves
 * the rest (GET/DELETE of stored responses, wrong methods).
 */
import { Router, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed } from '../fallback.js';
import { sendAnthropicError } from './anthropic/errors.js';
import { createCountTokensHandler, createMessagesHandler } from './anthropic/routes.js';
import { createInProcessChatClient, type ChatDispatch } from './chat-client.js';
import { createDeleteResponseHandler, createGetResponseHandler, createResponsesHandler } from './responses/routes.js';
import { openResponseStore, type ResponseStore } from './responses/store.js';
import { createRuntimePromptCounter, type RuntimePromptCounter } from './runtime-tokenize.js';
import { createChatTokenCounter } from './token-count.js';
import type { ResolvedRoute } from '../../routing/route-table.js';
import type { ModelDirectory } from '../types.js';

type SurfaceHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** What the gateway gives the surfaces once it has built its chat handler. */
export interface SurfaceConnection {
  /** The gateway's chat-completions handler, errors answered on the response. */
  readonly chat: ChatDispatch;
  /** The route a model name selects, if any (count_tokens decides exact or estimate from it). */
  readonly routeOf: (model: string) => ResolvedRoute | undefined;
  /** The models and how long a request waits for a runtime: count_tokens counts on an embedded model's runtime with them. */
  readonly runtimes?: { readonly models: ModelDirectory; readonly readyDeadlineMs: number };
}

/** The surfaces as the gateway mounts them (GatewayOptions.surfaces). */
export interface GatewaySurfaces {
  /** Every surface route, for express. */
  readonly router: Router;
  /** The POST routes by exact path, for the gateway's fast lane (the same handlers as the router's). */
  readonly hot: ReadonlyMap<string, SurfaceHandler>;
  /** Called once by createGateway. */
  connect(connection: SurfaceConnection): void;
}

export interface ApiSurfaces extends GatewaySurfaces {
  close(): Promise<void>;
}

export function createApiSurfaces(options: { readonly bodyLimitBytes: number; readonly responsesFile: string }): ApiSurfaces {
  const chat = createInProcessChatClient();
  let routeOf: SurfaceConnection['routeOf'] = () => undefined;
  let countOnRuntime: RuntimePromptCounter | undefined;
  const store: ResponseStore = openResponseStore({ file: options.responsesFile });
  const router = Router();

  const anthropic = { chat, bodyLimitBytes: options.bodyLimitBytes, countTokens: createChatTokenCounter({
      chat,
      surface: 'anthropic',
      routeOf: (model) => routeOf(model),
      countOnRuntime: async (model, conversation) => (countOnRuntime === undefined ? undefined : countOnRuntime(model, conversation)),
    }),
  };
  const messages = anthropicErrors(createMessagesHandler(anthropic));
  const countTokens = anthropicErrors(createCountTokensHandler(anthropic));
  const responses = createResponsesHandler({ chat, store, bodyLimitBytes: options.bodyLimitBytes });
  router.post('/v1/messages', messages);
  router.post('/v1/messages/count_tokens', countTokens);
  router.all(['/v1/messages', '/v1/messages/count_tokens'], function anthropicWrongMethod(req: Request, res: Response) {
    sendAnthropicError(res, 405, `${req.method} ${req.path} is not supported; use POST.`, { Allow: 'POST' });
  });

  router.post('/v1/responses', responses);
  router.get('/v1/responses/:id', createGetResponseHandler({ store }));
  router.delete('/v1/responses/:id', createDeleteResponseHandler({ store }));
  router.all('/v1/responses', methodNotAllowed('POST'));

  return {
    router,
    hot: new Map<string, SurfaceHandler>([
      ['/v1/messages', messages],
      ['/v1/messages/count_tokens', countTokens],
      ['/v1/responses', responses],
    ]),
    connect(connection) {
      chat.connect(connection.chat);
      routeOf = connection.routeOf;
      if (connection.runtimes !== undefined) countOnRuntime = createRuntimePromptCounter(connection.runtimes);
    },
    async close() {
      store.close();
    },
  };
}

/** Anthropic clients get Anthropic's error shape even for an unexpected failure. */
function anthropicErrors(handler: SurfaceHandler): SurfaceHandler {
  return async function withAnthropicErrors(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await handler(req, res);
    } catch (error) {
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
      sendAnthropicError(res, status, error instanceof Error ? error.message : String(error));
    }
  };
}
