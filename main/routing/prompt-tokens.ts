/**
 * Counting a prompt with the target's own tokenizer, for the context guard.
 * llama-server has `POST /tokenize` (`content` → `tokens`) and, for chat,
 * `POST /apply-template` (`messages` → the prompt text its chat template
 * makes); both live at the server's origin, beside `/v1`. The count is fetched
 * before the routing decision with a short deadline and handed to it as data;
 * any failure is returned as a reason, and the decision falls back to the
 * estimate and says so.
 */
import { request } from 'undici';

/** Prompt tokens as the target's tokenizer counts them, or why they could not be counted. */
export type PromptCount =
  | { readonly exact: true; readonly tokens: number; readonly counter: string }
  | { readonly exact: false; readonly reason: string };

export interface CountOptions {
  /** The provider's OpenAI base URL (`http://host:8080/v1`); the tokenizer is at its origin. */
  readonly baseUrl: string;
  /** Auth for the server (llama-server with --api-key), never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** `chat.completions` (messages) or `completions` (a string prompt). */
  readonly endpointName: string;
  readonly json: Readonly<Record<string, unknown>>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const COUNTER = 'llama-server /tokenize';

/** The endpoints whose prompt can be counted this way. */
export function countable(endpointName: string, json: Readonly<Record<string, unknown>>): boolean {
  if (endpointName === 'chat.completions') return Array.isArray(json.messages);
  if (endpointName === 'completions') return typeof json.prompt === 'string';
  return false;
}

/** The llama-server origin for a base URL: `http://h:8080/v1` → `http://h:8080`. */
export function tokenizerOrigin(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export async function countWithLlamaServer(options: CountOptions): Promise<PromptCount> {
  if (!countable(options.endpointName, options.json)) return { exact: false, reason: `${options.endpointName} prompts are not counted by the tokenizer` };
  const origin = tokenizerOrigin(options.baseUrl);
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
  try {
    let content: string;
    let addSpecial = true;
    if (options.endpointName === 'chat.completions') {
      const templated = await post(`${origin}/apply-template`, { messages: options.json.messages, ...(options.json.tools !== undefined ? { tools: options.json.tools } : {}) }, options.headers, signal);
      if (typeof templated.prompt !== 'string') return { exact: false, reason: '/apply-template answered without a prompt' };
      content = templated.prompt;
      // The chat template writes its own begin-of-text marker.
      addSpecial = false;
    } else {
      content = options.json.prompt as string;
    }
    const tokenized = await post(`${origin}/tokenize`, { content, add_special: addSpecial, parse_special: true }, options.headers, signal);
    if (!Array.isArray(tokenized.tokens)) return { exact: false, reason: '/tokenize answered without tokens' };
    return { exact: true, tokens: tokenized.tokens.length, counter: COUNTER };
  } catch (err) {
    if (signal.aborted && !options.signal?.aborted) return { exact: false, reason: `the tokenizer did not answer within ${options.timeoutMs} ms` };
    return { exact: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

async function post(url: string, body: unknown, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Record<string, unknown>> {
  const res = await request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  const path = new URL(url).pathname;
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`${path} answered ${res.statusCode}`);
  }
  const parsed: unknown = await res.body.json();
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path} answered something other than a JSON object`);
  return parsed as Record<string, unknown>;
}
