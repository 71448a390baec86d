/**
 * The contract's HTTP binding, as plain functions over `fetch`: used by the
 * browser transport (renderer/lib/transport-http.ts) and by the desktop IPC
 * forwarder in main (main/ipc/engine-client.ts), so both reach the engine the
 * same way. Runs in browsers and in Node ≥ 20 (fetch, TextDecoder,
 * AbortController); never imported by the preload bundle.
 */
import { createParser } from 'eventsource-parser';
import type { CallSpec, ContractError, Result, StreamSpec } from './contract.js';

export const CONTROL_PREFIX = '/homeport/v1';

export interface BoundRequest {
  readonly method: string;
  /** Path and query, e.g. `/homeport/v1/runtimes/embedded%3Ax/logs?limit=5`. */
  readonly url: string;
  /** JSON text, when the call has a body. */
  readonly body?: string;
}

const PATH_PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** Fill a path template from params; returns the path and the params it did not use. */
export function fillPath(template: string, params: unknown): { path: string; rest: Record<string, unknown> } {
  const rest: Record<string, unknown> = isRecord(params) ? { ...params } : {};
  const path = template.replace(PATH_PARAM, (_whole, name: string) => {
    const value = rest[name];
    if (value === undefined || value === null || value === '') throw new BindingError(`missing_param`, `The call needs "${name}".`);
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  return { path, rest };
}

/** The HTTP request for one call of the contract. Throws BindingError when a path param is missing. */
export function bindCall(spec: Pick<CallSpec<unknown, unknown>, 'method' | 'path' | 'paramsIn'>, params: unknown, prefix = CONTROL_PREFIX): BoundRequest {
  const { path, rest } = fillPath(spec.path, params);
  const inQuery = spec.paramsIn === 'query' || spec.method === 'GET' || spec.method === 'DELETE';
  if (inQuery) return { method: spec.method, url: `${prefix}${path}${queryString(rest)}` };
  if (!isRecord(params)) return { method: spec.method, url: `${prefix}${path}` };
  return { method: spec.method, url: `${prefix}${path}`, body: JSON.stringify(rest) };
}

/** The URL of a subscription's event stream. */
export function bindSubscription(spec: { readonly path: string }, params: unknown, prefix = CONTROL_PREFIX): string {
  const { path, rest } = fillPath(spec.path, params);
  return `${prefix}${path}${queryString(rest)}`;
}

export function bindStream(spec: Pick<StreamSpec<unknown, unknown>, 'method' | 'path'>, params: unknown): BoundRequest {
  return { method: spec.method, url: spec.path, body: JSON.stringify(params ?? {}) };
}

function queryString(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) search.append(key, String(item));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export class BindingError extends Error {
  override readonly name = 'BindingError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Words for the panel when the control token is missing or wrong. */
export const UNAUTHORIZED_HINT = 'Open the link `homeport serve` printed, or run `homeport panel-url` to get it again.';

/** Turn an HTTP answer into a Result: 2xx → data (JSON, or text when not JSON); else the OpenAI-shaped error's words. */
export async function toResult<T>(response: Response): Promise<Result<T>> {
  const text = await response.text();
  const json = parseJson(text);
  // 204 and other empty answers: the call succeeded and has nothing to say.
  if (response.ok && text.length === 0) return { ok: true, data: null as T };
  if (response.ok) {
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    return { ok: true, data: (isJson ? json : text) as T };
  }
  return { ok: false, error: errorFrom(response.status, json, text) };
}

export function errorFrom(status: number, json: unknown, text = ''): ContractError {
  const body = isRecord(json) && isRecord(json.error) ? json.error : null;
  const message = typeof body?.message === 'string' ? body.message : text.trim().slice(0, 300) || `The engine answered ${status}.`;
  const code = typeof body?.code === 'string' ? body.code : status === 401 ? 'unauthorized' : `http_${status}`;
  const param = typeof body?.param === 'string' && body.param.length > 0 ? body.param : null;
  return {
    code,
    message: status === 401 && !message.includes('panel-url') ? `${message} ${UNAUTHORIZED_HINT}` : message,
    ...(param ? { param } : {}),
  };
}

/** A failure that never reached the engine, in words. */
export function unreachable(error: unknown): ContractError {
  const detail = error instanceof Error ? error.message : String(error);
  return { code: 'engine_unreachable', message: `Homeport's engine did not answer (${detail}). Is it still running?` };
}

export interface ReadEventsOptions {
  /** `id` is the event's `id:` line, when it had one (what to send back as `Last-Event-ID` on reconnecting). */
  readonly onEvent: (type: string, data: unknown, id?: string) => void;
  readonly signal?: AbortSignal;
}

/** Read a text/event-stream body to its end, calling onEvent per event (named events; unnamed ones are `message`). */
export async function readEvents(response: Response, options: ReadEventsOptions): Promise<void> {
  if (!response.body) return;
  const parser = createParser({
    onEvent(message) {
      // OpenAI streams end with `data: [DONE]`; the end of the body says the same.
      if (message.data === '[DONE]') return;
      options.onEvent(message.event ?? 'message', parseJson(message.data) ?? message.data, message.id);
    },
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
