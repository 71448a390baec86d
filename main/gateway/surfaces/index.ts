/**
 * The API surfaces beside OpenAI's chat completions: OpenAI's Responses API
 * and Anthropic's Messages API, both translated into chat completions and
 * sent through the gateway's own chat endpoint (chat-client.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed } from '../fallback.js';
import { sendAnthropicError } from './anthropic/errors.js';
import { createCountTokensHandler, createMessagesHandler } from './anthropic/routes.js';
import { createLoopbackChatClient, type ChatClient } from './chat-client.js';
import { createDeleteResponseHandler, createGetResponseHandler, createResponsesHandler } from './responses/routes.js';
import { openResponseStore, type ResponseStore } from './responses/store.js';
import { createChatTokenCounter } from './token-count.js';

export interface ApiSurfaces {
  readonly router: Router;
  close(): Promise<void>;
}

export function createApiSurfaces(options: { readonly port: number; readonly bodyLimitBytes: number; readonly responsesFile: string; readonly chat?: ChatClient }): ApiSurfaces {
  const chat = options.chat ?? createLoopbackChatClient({ port: options.port });
  const store: ResponseStore = openResponseStore({ file: options.responsesFile });
  const router = Router();

  const anthropic = { chat, bodyLimitBytes: options.bodyLimitBytes, countTokens: createChatTokenCounter(chat, 'anthropic') };
  router.post('/v1/messages', anthropicErrors(createMessagesHandler(anthropic)));
  router.post('/v1/messages/count_tokens', anthropicErrors(createCountTokensHandler(anthropic)));
  router.all(['/v1/messages', '/v1/messages/count_tokens'], function anthropicWrongMethod(req: Request, res: Response) {
    sendAnthropicError(res, 405, `${req.method} ${req.path} is not supported; use POST.`, { Allow: 'POST' });
  });

  router.post('/v1/responses', createResponsesHandler({ chat, store, bodyLimitBytes: options.bodyLimitBytes }));
  router.get('/v1/responses/:id', createGetResponseHandler({ store }));
  router.delete('/v1/responses/:id', createDeleteResponseHandler({ store }));
  router.all('/v1/responses', methodNotAllowed('POST'));

  return {
    router,
    async close() {
      await chat.close();
      store.close();
    },
  };
}

/** Anthropic clients get Anthropic's error shape even for an unexpected failure. */
function anthropicErrors(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return async function withAnthropicErrors(req: Request, res: Response): Promise<void> {
    try {
      await handler(req, res);
    } catch (error) {
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
      sendAnthropicError(res, status, error instanceof Error ? error.message : String(error));
    }
  };
}
