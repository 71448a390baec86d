/**
 * Sends the probe's requests to an OpenAI-compatible /v1 (the gateway's own,
 * so routing, the request log and the runtime are exactly those an app
 * meets). An app key, when keys are in use, goes as a Bearer token and is
 * never kept or logged.
 */
import type { ChatSender } from './battery.js';

type Json = Record<string, unknown>;

export interface GatewaySenderOptions {
  /** e.g. `http://127.0.0.1:11435/v1` */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Per request (ms). Default 120 s: a model may be loaded on demand by the first request. */
  readonly timeoutMs?: number;
}

export function gatewaySender(options: GatewaySenderOptions): ChatSender {
  const url = `${options.baseUrl.replace(/\/$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'homeport-probe' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const post = (body: Json) => fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
  return {
    async json(body) {
      const res = await post(body);
      return { status: res.status, body: parseJson(await res.text()) };
    },
    async stream(body) {
      const res = await post(body);
      const text = await res.text();
      if (res.status >= 400 || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return { status: res.status, events: [], body: parseJson(text) };
      return { status: res.status, events: parseSseData(text) };
    },
  };
}

function parseJson(text: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

/** The JSON `data:` payloads of a whole SSE body, `[DONE]` and unparsable ones left out. */
export function parseSseData(text: string): Json[] {
  const out: Json[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    try {
      const value: unknown = JSON.parse(data);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) out.push(value as Json);
    } catch {
      // not JSON: not an event the probe reads
    }
  }
  return out;
}
