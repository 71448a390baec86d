/**
 * OpenAI's Responses API on Homeport's endpoint: POST /v1/responses (stream
 * and not), GET and DELETE /v1/responses/:id. Each request becomes a chat
 * completion through the same routing; stored responses carry their
 * conversation so previous_response_id continues it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody } from '../../body.js';
import { GatewayError, sendError } from '../../errors.js';
import type { ChatClient, ChatStreamItem } from '../chat-client.js';
import { outputToChatMessages, responseId, ResponsesStreamTranslator, toResponse, type ResponseFrame } from './from-chat.js';
import { responseJson } from './response-json.js';
import type { ResponseStore } from './store.js';
import { quickAcceptResponses } from './quick-accept.js';
import { inputToChatMessages, responsesRequestSchema, toChatBody, type ChatMessage, type ResponsesRequest } from './to-chat.js';
import { describeIssue } from '../zod-issue.js';

export interface ResponsesRouteOptions {
  readonly chat: ChatClient;
  readonly store: ResponseStore;
  readonly bodyLimitBytes: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function zodParam(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendPayload(res, status, JSON.stringify(body));
}

function sendPayload(res: ServerResponse, status: number, payload: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** `param` names where the id came from: the path (`response_id`) or the body (`previous_response_id`). */
function notFound(id: string, param: 'response_id' | 'previous_response_id' = 'response_id'): GatewayError {
  const what = param === 'previous_response_id' ? 'Previous response' : 'Response';
  return new GatewayError({ status: 404, message: `${what} with id '${id}' not found: it was created with store: false, deleted, or never existed.`, param, code: 'not_found' });
}

/** The schema's verdict on a body the quick checks left to it: the request, or a 400 naming the field. */
function parseRequest(json: unknown): ResponsesRequest {
  const parsed = responsesRequestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const described = issue ? describeIssue(issue) : undefined;
  const param = described ? zodParam(described.path) : null;
  const message = described === undefined ? 'The request body is invalid.' : described.text === 'Field required' ? `Missing required parameter: '${param}'.` : `Invalid value for '${param}': ${described.text}.`;
  throw new GatewayError({ status: 400, message, param, code: described?.text === 'Field required' ? 'missing_required_parameter' : 'invalid_value' });
}

export function createResponsesHandler(options: ResponsesRouteOptions): Handler {
  const { store } = options;
  return async function createResponse(req, res) {
    const { json } = await readJsonBody(req, { limitBytes: options.bodyLimitBytes });
    const request = quickAcceptResponses(json) ?? parseRequest(json);
    let history: ChatMessage[] = [];
    if (request.previous_response_id) {
      const previous = store.get(request.previous_response_id);
      if (previous === undefined) throw notFound(request.previous_response_id, 'previous_response_id');
      history = previous.conversation;
    }
    const frame: ResponseFrame = { id: responseId(), createdAt: Math.floor(Date.now() / 1000), request };
    const input = inputToChatMessages(request.input);
    const conversationSoFar = history.length === 0 ? input : [...history, ...input];
    const remember = (response: Record<string, unknown>, output: Record<string, unknown>[]): void => {
      if (request.store === false) return;
      store.put(frame.id, { response, conversation: [...conversationSoFar, ...outputToChatMessages(output)] });
    };

    let reply;
    try {
      reply = await options.chat.send(toChatBody(request, conversationSoFar), { client: req, clientResponse: res, surface: 'responses' });
    } catch (error) {
      // The client went away: nobody to answer.
      if (res.destroyed) return;
      throw new GatewayError({ status: 502, message: `Homeport could not reach the model: ${String(error)}`, code: 'upstream_unreachable' });
    }
    for (const name in reply.headers) res.setHeader(name, reply.headers[name]!);
    if (reply.kind === 'json') {
      if (reply.status !== 200) return sendJson(res, reply.status, reply.body);
      const response = toResponse(frame, reply.body);
      remember(response, response.output as Record<string, unknown>[]);
      return sendPayload(res, 200, responseJson(response));
    }
    await relayStream(res, reply.chunks, new ResponsesStreamTranslator(frame), remember);
  };
}

async function relayStream(
  res: ServerResponse,
  chunks: AsyncIterable<ChatStreamItem>,
  translator: ResponsesStreamTranslator,
  remember: (response: Record<string, unknown>, output: Record<string, unknown>[]) => void,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(translator.start());
  try {
    for await (const item of chunks) {
      if (item.kind === 'error') {
        res.end(translator.fail(item.error.message, item.error.code ?? 'server_error'));
        return;
      }
      const out = translator.push(item.chunk);
      if (out !== '' && !res.write(out)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    const { events, response } = translator.finish();
    remember(response, response.output as Record<string, unknown>[]);
    res.end(events);
  } catch (error) {
    if (!res.destroyed) res.end(translator.fail(`The model stream failed: ${String(error)}`));
  }
}

export function createGetResponseHandler(options: { readonly store: ResponseStore }): Handler {
  return async function getResponse(req, res) {
    const id = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').pop() ?? '');
    const stored = options.store.get(id);
    if (stored === undefined) return sendError(res, notFound(id));
    sendJson(res, 200, stored.response);
  };
}

export function createDeleteResponseHandler(options: { readonly store: ResponseStore }): Handler {
  return async function deleteResponse(req, res) {
    const id = decodeURIComponent((req.url ?? '').split('?')[0]!.split('/').pop() ?? '');
    if (!options.store.delete(id)) return sendError(res, notFound(id));
    sendJson(res, 200, { id, object: 'response', deleted: true });
  };
}

export type { ResponsesRequest };
