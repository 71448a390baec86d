/**
 * Scrubbing secrets out of text before it reaches a log line, an error
 * message or a response.
 *
 * Two layers: the exact values the caller knows are secret (a token read
 * from the secret store), and shapes that look like credentials even when
 * nobody told us (`hf_...` tokens, `sk-...` keys, `Bearer ...` headers).
 */

export const REDACTED = '[redacted]';

// Shapes of credentials that must never be printed, whatever their origin.
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /\bhf_[A-Za-z0-9]{8,}\b/g, // Hugging Face user and org tokens
  /\bsk-[A-Za-z0-9_-]{16,}\b/g, // OpenAI-style API keys (sk-..., sk-proj-..., sk-ant-...)
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, // Authorization header values
];

export interface RedactOptions {
  /** Exact secret values to remove (empty strings are ignored). */
  readonly secrets?: readonly (string | undefined)[];
}

/** `text` with every known secret value and every credential-looking token replaced by `[redacted]`. */
export function redact(text: string, options: RedactOptions = {}): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  const values = (options.secrets ?? [])
    .filter((value): value is string => typeof value === 'string' && value.length > 0)
    .sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join(REDACTED);
  for (const shape of CREDENTIAL_SHAPES) {
    out = out.replace(shape, (match, scheme: unknown) => (typeof scheme === 'string' ? `${scheme} ${REDACTED}` : REDACTED));
  }
  return out;
}
