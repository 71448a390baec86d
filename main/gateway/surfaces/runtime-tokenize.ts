/**
 * A chat conversation's prompt tokens, counted by the model's own runtime
 * without decoding: the embedded worker's POST /tokenize applies the model's
 * chat wrapper and tool instructions exactly as a completion of the same
 * messages does, and answers `{"count"}` (runtimes/embedded/tokenize.ts).
 *
 * Only the embedded runtime has such an endpoint (llama-server's /tokenize
 * takes text, not a conversation); for any other runtime, and for any
 * failure (the runtime not ready in time, a refusal), the answer is
 * undefined and the caller counts another way (token-count.ts).
 */
import http from 'node:http';
import type { ModelDirectory } from '../types.js';

/** The embedded worker's counting endpoint. */
const TOKENIZE_PATH = '/tokenize';
const EMBEDDED_OWNER = 'homeport-embedded';
const TRAILING_SLASHES = /\/+$/;

/** Prompt tokens of `conversation` (messages, tools, tool_choice) on the runtime serving `model`, or undefined. */
export type RuntimePromptCounter = (model: string, conversation: Readonly<Record<string, unknown>>) => Promise<number | undefined>;

export interface RuntimeTokenizeOptions {
  readonly models: ModelDirectory;
  /** How long to wait for a runtime that is not ready (as a completion would). */
  readonly readyDeadlineMs: number;
}

export function createRuntimePromptCounter(options: RuntimeTokenizeOptions): RuntimePromptCounter {
  return async function countOnRuntime(model, conversation) {
    const entry = options.models.resolve(model);
    if (entry === undefined || entry.ownedBy !== EMBEDDED_OWNER) return undefined;
    const release = entry.runtime.hold?.();
    try {
      const endpoint = await entry.runtime.ensureReady({ deadlineMs: options.readyDeadlineMs });
      const body = Buffer.from(JSON.stringify({ ...conversation, model: entry.upstreamModel }));
      const answer = await postJson(new URL(endpoint.baseUrl.replace(TRAILING_SLASHES, '') + TOKENIZE_PATH), body, endpoint.headers);
      if (answer.status !== 200) return undefined;
      const count = (answer.json as { count?: unknown } | undefined)?.count;
      return Number.isSafeInteger(count) ? (count as number) : undefined;
    } catch {
      return undefined;
    } finally {
      release?.();
    }
  };
}

function postJson(url: URL, body: Buffer, headers: Readonly<Record<string, string>>): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 502, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
