/**
 * Turns generated tokens into text one token at a time.
 *
 * Two things make this more than `detokenize([token])`:
 * - A character can be split across tokens (UTF-8 byte-fallback tokens): the
 *   text of an incomplete character decodes to U+FFFD, so such tokens are held
 *   until the character completes (at most MAX_PENDING tokens, then released
 *   as they are, for a model that really emits invalid bytes).
 * - Some tokenizers decide a leading space from the tokens before (SentencePiece
 *   drops the space of a text's first word), so the last few tokens already
 *   printed, starting with the prompt's tail, are passed as context.
 */
import type { Token } from 'node-llama-cpp';

/** Same contract as LlamaModel.detokenize(tokens, false, lastTokens). */
export type DetokenizeFn = (tokens: readonly Token[], lastTokens: readonly Token[]) => string;

const MAX_PENDING = 4;
const CONTEXT_TOKENS = 4;
const REPLACEMENT_CHARACTER = '\uFFFD';

export class IncrementalDetokenizer {
  readonly #detokenize: DetokenizeFn;
  #recent: Token[];
  #pending: Token[] = [];

  constructor(options: { readonly detokenize: DetokenizeFn; readonly precedingTokens: readonly Token[] }) {
    this.#detokenize = options.detokenize;
    this.#recent = options.precedingTokens.slice(-CONTEXT_TOKENS);
  }

  /** The text this token completes ('' while a character is still incomplete). */
  push(token: Token): string {
    this.#pending.push(token);
    const text = this.#detokenize(this.#pending, this.#recent);
    if (text.endsWith(REPLACEMENT_CHARACTER) && this.#pending.length < MAX_PENDING) return '';
    this.#recent = this.#recent.concat(this.#pending).slice(-CONTEXT_TOKENS);
    this.#pending = [];
    return text;
  }

  /** Whatever is still held (an incomplete character at the end of generation). */
  flush(): string {
    if (this.#pending.length === 0) return '';
    const text = this.#detokenize(this.#pending, this.#recent);
    this.#pending = [];
    return text;
  }
}
