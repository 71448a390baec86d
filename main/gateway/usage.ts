import type { Usage } from '../metrics/types.js';

/** Bodies up to this size are parsed whole; larger ones (big embedding batches) only around `"usage"`. */
const FULL_PARSE_LIMIT = 1024 * 1024;
const USAGE_KEY = Buffer.from('"usage"');
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function asUsage(value: unknown): Usage | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Usage) : undefined;
}

/**
 * Answer bodies already parsed in this process, by their bytes: the API
 * surfaces parse the chat answer they translate (surfaces/chat-client.ts) and
 * leave the result here, so reading its usage does not parse the same bytes again.
 */
const parsedBodies = new WeakMap<Buffer, unknown>();

export function rememberParsedBody(body: Buffer, parsed: unknown): void {
  parsedBodies.set(body, parsed);
}

/**
 * Reads the `usage` object of a non-streamed OpenAI response. Called after
 * the response has been sent, so its cost never delays the client.
 */
export function readUsage(body: Buffer): Usage | undefined {
  const parsed = parsedBodies.get(body);
  if (parsed !== undefined) return usageOf(parsed);
  if (body.length <= FULL_PARSE_LIMIT) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      return usageOf(parsed);
    } catch {
      return undefined;
    }
  }
  return readUsageNearEnd(body);
}

/** The usage of a parsed answer, with llama-server's timings folded in. */
function usageOf(parsed: unknown): Usage | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { usage, timings } = parsed as { usage?: unknown; timings?: unknown };
  return withRuntimeTimings(asUsage(usage), timings);
}

/**
 * llama-server reports its decode time beside the usage, in `timings.predicted_ms`
 * (milliseconds generating `predicted_n` tokens): taken as the usage's
 * `completion_time`, so a whole answer from it has a decode speed too.
 */
function withRuntimeTimings(usage: Usage | undefined, timings: unknown): Usage | undefined {
  if (usage === undefined || usage.completion_time !== undefined || typeof timings !== 'object' || timings === null) return usage;
  const predictedMs = (timings as { predicted_ms?: unknown }).predicted_ms;
  return typeof predictedMs === 'number' && predictedMs > 0 ? { ...usage, completion_time: predictedMs / 1000 } : usage;
}

/**
 * Finds the last `"usage"` key and parses the `{…}` after it. The usage object
 * holds only numbers and nested objects, so matching braces is enough.
 */
function readUsageNearEnd(body: Buffer): Usage | undefined {
  const key = body.lastIndexOf(USAGE_KEY);
  if (key === -1) return undefined;
  const start = body.indexOf(OPEN_BRACE, key + USAGE_KEY.length);
  if (start === -1) return undefined;
  let depth = 0;
  for (let i = start; i < body.length; i++) {
    const byte = body[i];
    if (byte === OPEN_BRACE) depth++;
    else if (byte === CLOSE_BRACE && --depth === 0) {
      try {
        return asUsage(JSON.parse(body.subarray(start, i + 1).toString('utf8')));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
