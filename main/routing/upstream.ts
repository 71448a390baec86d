/**
 * One try of one target: send the request and wait for the start of its
 * answer, without writing anything to the client. The router decides from
 * the result whether to answer, retry, or move on:
 *
 * - `error`: no answer (connection refused or reset, time to first byte over the limit);
 * - `whole`: a complete body (every non-stream answer and every error status) — the
 *   client has seen nothing yet, so even a body cut short can still fail over;
 * - `stream`: a 2xx event stream whose first bytes arrived; from here on the
 *   router commits to this target and relays the rest;
 * - `aborted`: the client went away.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ClientGone } from './client-gone.js';

export interface UpstreamAddress {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port: number;
  /** Path prefix of the base URL without the trailing slash, e.g. `/v1` or ``. */
  readonly basePath: string;
  /** Added to every request (auth). Never logged. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface UpstreamAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

export function createAgents(): UpstreamAgents {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo', noDelay: true }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo', noDelay: true }),
  };
}

/** `baseUrl` (e.g. `https://api.openai.com/v1`) as the parts a request needs. */
export function addressOf(baseUrl: string, headers: Readonly<Record<string, string>>): UpstreamAddress {
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  return {
    protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80,
    basePath: url.pathname.replace(/\/+$/, ''),
    headers,
  };
}

export interface TryOptions {
  readonly address: UpstreamAddress;
  readonly agents: UpstreamAgents;
  /** The OpenAI path after the base, e.g. `/chat/completions` for a `/v1` base. */
  readonly path: string;
  readonly body: Buffer;
  readonly accept?: string;
  readonly stream: boolean;
  readonly firstByteTimeoutMs: number;
  readonly clientGone: ClientGone;
}

export type TryResult =
  | { readonly kind: 'error'; readonly reason: string; readonly timeout: boolean; readonly ms: number }
  | { readonly kind: 'aborted'; readonly ms: number }
  | { readonly kind: 'whole'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly body: Buffer; readonly ms: number }
  | { readonly kind: 'stream'; readonly status: number; readonly headers: IncomingHttpHeaders; readonly response: IncomingMessage; readonly first: Buffer; readonly ms: number; readonly request: http.ClientRequest };

/** Largest error or non-stream body read before failing (64 MiB; embeddings can be large). */
const MAX_WHOLE_BYTES = 64 * 1024 * 1024;

export function tryUpstream(options: TryOptions): Promise<TryResult> {
  const { address, clientGone } = options;
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 100) / 100;

  return new Promise<TryResult>((resolve) => {
    let settled = false;
    const headers: OutgoingHttpHeaders = {
      ...address.headers,
      'content-type': 'application/json',
      'content-length': options.body.length,
    };
    if (options.accept !== undefined) headers.accept = options.accept;
    const request = (address.protocol === 'https:' ? https : http).request({
      agent: address.protocol === 'https:' ? options.agents.https : options.agents.http,
      protocol: address.protocol,
      hostname: address.hostname,
      port: address.port,
      method: 'POST',
      path: address.basePath + options.path,
      headers,
    });

    const settle = (result: TryResult, keepRequest = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientGone.off(onAbort);
      if (!keepRequest) request.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ kind: 'error', reason: `no answer within ${options.firstByteTimeoutMs} ms`, timeout: true, ms: ms() });
    }, options.firstByteTimeoutMs);
    function onAbort(): void {
      settle({ kind: 'aborted', ms: ms() });
    }
    if (clientGone.aborted) {
      onAbort();
      return;
    }
    clientGone.on(onAbort);

    request.on('error', (err: NodeJS.ErrnoException) => {
      settle({ kind: 'error', reason: err.code ? `${err.code}` : err.message, timeout: false, ms: ms() });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 502;
      const isStream = options.stream && status < 300 && response.headers['content-type']?.startsWith('text/event-stream') === true;
      if (isStream) {
        response.once('data', (first: Buffer) => {
          response.pause();
          settle({ kind: 'stream', status, headers: response.headers, response, first, ms: ms(), request }, true);
        });
        response.once('end', () => settle({ kind: 'whole', status, headers: response.headers, body: Buffer.alloc(0), ms: ms() }));
        response.on('error', () => undefined);
        response.once('close', () => {
          if (!response.complete) settle({ kind: 'error', reason: 'the connection closed before the answer began', timeout: false, ms: ms() });
        });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_WHOLE_BYTES) {
          settle({ kind: 'error', reason: `the answer is over ${MAX_WHOLE_BYTES} bytes`, timeout: false, ms: ms() });
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        settle({ kind: 'whole', status, headers: response.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), ms: ms() });
      });
      response.on('error', () => undefined);
      response.on('close', () => {
        if (!response.complete) settle({ kind: 'error', reason: 'the connection closed before the answer ended', timeout: false, ms: ms() });
      });
    });
    request.end(options.body);
  });
}
