/**
 * Chat `logprobs` / `top_logprobs` in OpenAI's shape, from the probabilities
 * node-llama-cpp reports for each generated token.
 *
 * Those probabilities are the distribution the token was drawn from, after
 * the request's sampling settings (temperature, top-k/top-p/min-p): at
 * temperature 0 the chosen token has probability 1. OpenAI reports the
 * model's raw distribution; the difference is documented in the README.
 * A probability of 0 (a token the sampler excluded) is reported as -9999,
 * the floor OpenAI itself uses.
 */
import type { Token } from 'node-llama-cpp';

export interface TopLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly bytes: number[];
}

export interface TokenLogprob extends TopLogprob {
  readonly top_logprobs: TopLogprob[];
}

const FLOOR = -9999;

export class LogprobCollector {
  private readonly entries: TokenLogprob[] = [];
  private pending: ReadonlyMap<Token, number> | undefined;
  private taken = 0;
  private previous: Token | undefined;

  constructor(
    private readonly options: {
      /** How many alternatives per token (0..20). */
      readonly top: number;
      /** One token's text; `previous` is the token before it (SentencePiece spells a leading space only in context). */
      readonly tokenText: (token: Token, previous: Token | undefined) => string;
    },
  ) {}

  /** The probabilities the next token is drawn from. */
  offer(_token: Token, probabilities: ReadonlyMap<Token, number>): void {
    this.pending = probabilities;
  }

  /** The token became part of the answer. */
  accept(token: Token): void {
    const probabilities = this.pending;
    this.pending = undefined;
    this.entries.push({ ...this.describe(token, probabilities?.get(token)), top_logprobs: this.top(probabilities) });
    this.previous = token;
  }

  /** Every entry so far. */
  all(): TokenLogprob[] {
    return [...this.entries];
  }

  /** The entries since the last call (what a stream chunk carries). */
  takeNew(): TokenLogprob[] {
    const fresh = this.entries.slice(this.taken);
    this.taken = this.entries.length;
    return fresh;
  }

  private top(probabilities: ReadonlyMap<Token, number> | undefined): TopLogprob[] {
    if (probabilities === undefined || this.options.top === 0) return [];
    const best: [Token, number][] = [];
    for (const entry of probabilities) {
      if (best.length < this.options.top) {
        best.push(entry);
        best.sort((a, b) => b[1] - a[1]);
      } else if (entry[1] > best[best.length - 1]![1]) {
        best[best.length - 1] = entry;
        best.sort((a, b) => b[1] - a[1]);
      }
    }
    return best.map(([token, probability]) => this.describe(token, probability));
  }

  private describe(token: Token, probability: number | undefined): TopLogprob {
    const text = this.options.tokenText(token, this.previous);
    return {
      token: text,
      logprob: probability === undefined || probability <= 0 ? FLOOR : Math.log(probability),
      bytes: [...Buffer.from(text, 'utf8')],
    };
  }
}
