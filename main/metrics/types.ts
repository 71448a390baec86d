/** How the gateway reports what passes through it. Implemented by metrics/model-metrics.ts. */

export interface Usage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
  readonly total_tokens?: number;
  /**
   * Seconds spent on the prompt and on generating, as the embedded runtime
   * (and Groq's API) report them in a non-streamed response's usage: the
   * decode rate of a request that was not streamed comes from these.
   */
  readonly prompt_time?: number;
  readonly completion_time?: number;
}

export interface RequestInfo {
  readonly modelId: string;
  readonly runtimeId: string;
  /** e.g. `chat.completions`, `completions`, `embeddings`. */
  readonly endpoint: string;
  readonly stream: boolean;
}

/** One request's meter. Every method is cheap and synchronous (called on the hot path). */
export interface RequestMeter {
  /** The request is waiting for the runtime to become ready. */
  waiting(): void;
  /** The request was forwarded upstream. */
  forwarded(): void;
  /** The first generated token (streams: first content chunk; non-stream: the response). */
  firstToken(): void;
  /** `n` generated tokens passed (stream chunks). */
  tokens(n: number): void;
  /** Always called exactly once. `usage` when the upstream reported it. */
  finish(result: { readonly status: number; readonly usage?: Usage; readonly error?: string }): void;
}

export interface MetricsSink {
  begin(info: RequestInfo): RequestMeter;
}
