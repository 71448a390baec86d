/**
 * POST /v1/messages and POST /v1/messages/count_tokens: Anthropic's Messages
 * API on Homeport's endpoint, through the same routing as chat completions.
 * `x-api-key` and `anthropic-version` are accepted (the key is an app key
 * when app keys are on; the version is not checked: one shape is served).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from '../../body.js';
import { GatewayError } from '../../errors.js';
import type { ChatClient } from '../chat-client.js';
import type { TokenCountResult } from '../token-count.js';
import { AnthropicStreamTranslator, toAnthropicMessage } from './from-chat.js';
import { describeZodError, openAiErrorMessage, sendAnthropicError } from './errors.js';
import { messageJson } from './message-json.js';
import { quickAcceptCountTokens, quickAcceptMessages } from './quick-accept.js';
import { countTokensRequestSchema, messagesRequestSchema, toChatBody, toChatConversation, type CountTokensRequest, type MessagesRequest } from './to-chat.js';

export interface AnthropicRouteOptions {
  readonly chat: ChatClient;
  readonly bodyLimitBytes: number;
  /** Counts a chat conversation's prompt tokens for a model (count_tokens). */
  readonly countTokens: (body: Record<string, unknown> & { model: string }, client: IncomingMessage, clientResponse: ServerResponse) => Promise<TokenCountResult>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function readBody(req: IncomingMessage, res: ServerResponse, limitBytes: number): Promise<unknown> {
  try {
    return (await readJsonBody(req, { limitBytes })).json;
  } catch (error) {
    if (error instanceof GatewayError) {
      sendAnthropicError(res, error.status, error.message, error.headers);
      return undefined;
    }
    throw error;
  }
}

export function createMessagesHandler(options: AnthropicRouteOptions): Handler {
  return async function messages(req, res) {
    const json = await readBody(req, res, options.bodyLimitBytes);
    if (json === undefined) return;
    let request: MessagesRequest | undefined = quickAcceptMessages(json);
    if (request === undefined) {
      const parsed = messagesRequestSchema.safeParse(json);
      if (!parsed.success) return sendAnthropicError(res, 400, describeZodError(parsed.error));
      request = parsed.data;
    }
    const stopSequences = request.stop_sequences ?? [];

    let reply;
    try {
      reply = await options.chat.send(toChatBody(request), { client: req, clientResponse: res, surface: 'anthropic' });
    } catch (error) {
      // The client went away: nobody to answer.
      if (res.destroyed) return;
      return sendAnthropicError(res, 502, `Homeport could not reach the model: ${String(error)}`);
    }
    for (const name in reply.headers) res.setHeader(name, reply.headers[name]!);
    if (reply.kind === 'json') {
      if (reply.status !== 200) return sendAnthropicError(res, reply.status, openAiErrorMessage(reply.body, reply.status));
      const payload = messageJson(toAnthropicMessage(reply.body, { model: request.model, stopSequences }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
      return;
    }

    const translator = new AnthropicStreamTranslator({ model: request.model, stopSequences });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(translator.start());
    try {
      for await (const item of reply.chunks) {
        if (item.kind === 'error') {
          res.end(translator.fail(item.error.message, item.error.type === 'rate_limit_error' ? 'rate_limit_error' : 'api_error'));
          return;
        }
        const out = translator.push(item.chunk);
        if (out !== '' && !res.write(out)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      }
      res.end(translator.finish());
    } catch (error) {
      if (!res.destroyed) res.end(translator.fail(`The model stream failed: ${String(error)}`));
    }
  };
}

export function createCountTokensHandler(options: AnthropicRouteOptions): Handler {
  return async function countTokens(req, res) {
    const json = await readBody(req, res, options.bodyLimitBytes);
    if (json === undefined) return;
    let request: CountTokensRequest | undefined = quickAcceptCountTokens(json);
    if (request === undefined) {
      const parsed = countTokensRequestSchema.safeParse(json);
      if (!parsed.success) return sendAnthropicError(res, 400, describeZodError(parsed.error));
      request = parsed.data;
    }
    const result = await options.countTokens({ model: request.model, ...toChatConversation(request) }, req, res);
    if ('status' in result) return sendAnthropicError(res, result.status, result.message);
    const payload = JSON.stringify({ input_tokens: result.inputTokens });
    // `exact` (the model's own tokenizer) or `estimate` (a completion there would have been billed; token-count.ts).
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-homeport-token-count': result.plan.method });
    res.end(payload);
  };
}
