/**
 * Recognising a runtime's own "the prompt does not fit" answer: the embedded
 * worker and OpenAI say `context_length_exceeded`, llama-server
 * `exceed_context_size_error`; vLLM and others say it in the message. The
 * runtime counted with its own tokenizer, so this is the exact check.
 */

function errorOf(body: Buffer): { code?: unknown; type?: unknown; message?: unknown; n_ctx?: unknown } | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    return typeof parsed.error === 'object' && parsed.error !== null ? (parsed.error as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function isContextError(body: Buffer): boolean {
  const error = errorOf(body);
  return error !== undefined && isContextErrorObject(error);
}

/** The same check on a body already parsed: its `error` object. */
export function isContextErrorObject(error: { code?: unknown; type?: unknown; message?: unknown }): boolean {
  if (error.code === 'context_length_exceeded' || error.type === 'exceed_context_size_error' || error.code === 'exceed_context_size_error') return true;
  return typeof error.message === 'string' && /maximum context length|context length|context window|exceeds? the (available )?context/i.test(error.message);
}

/** The context size the answer names, if it does ("holds 512 tokens", "maximum context length is 8192", `n_ctx`). */
export function contextLimitOf(body: Buffer): number | undefined {
  const error = errorOf(body);
  if (!error) return undefined;
  if (typeof error.n_ctx === 'number') return error.n_ctx;
  if (typeof error.message !== 'string') return undefined;
  const match = /(?:holds|context length is|context (?:size|window) (?:is|of))\s+(\d+)/i.exec(error.message);
  return match ? Number(match[1]) : undefined;
}
