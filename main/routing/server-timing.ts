/** The response header every answer of the gateway carries its engine timings in. */
export const SERVER_TIMING = 'Server-Timing';

/** A duration as the request log and Server-Timing keep it: ms to two decimals. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** `routing;dur=0.03, cache;dur=0.12, tokenize;dur=1.9, upstream;dur=8.4` (ms; tokenize when a target's tokenizer counted the prompt). */
export function timingHeader(routingMs: number, cacheMs: number | undefined, upstreamMs: number | undefined, tokenizeMs?: number): string {
  let out = `routing;dur=${routingMs.toFixed(3)}`;
  if (cacheMs !== undefined) out += `, cache;dur=${cacheMs.toFixed(3)}`;
  if (tokenizeMs !== undefined) out += `, tokenize;dur=${tokenizeMs.toFixed(2)}`;
  if (upstreamMs !== undefined) out += `, upstream;dur=${upstreamMs.toFixed(2)}`;
  return out;
}
