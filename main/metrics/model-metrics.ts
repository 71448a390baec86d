import { performance } from 'node:perf_hooks';
import type { MetricsSink, RequestInfo, RequestMeter, Usage } from './types.js';
import { RollingWindow } from './rolling.js';

const WINDOW = 100;

/** Per-model counters. Live fields only; rates are derived when a snapshot is asked for. */
class ModelCounters {
  requests = 0;
  errors = 0;
  inFlight = 0;
  waiting = 0;
  promptTokens = 0;
  completionTokens = 0;
  readonly ttftMs = new RollingWindow(WINDOW);
  readonly decodeTokPerSec = new RollingWindow(WINDOW);
  lastRequestAt: number | null = null;
}

export interface ModelMetricsSnapshot {
  readonly model: string;
  readonly runtime: string;
  readonly requests: number;
  readonly errors: number;
  readonly inFlight: number;
  /** Requests waiting for their runtime to become ready. */
  readonly waiting: number;
  readonly tokens: { readonly prompt: number; readonly completion: number };
  /** Time to first token over the last requests (ms). */
  readonly ttftMs: { readonly p50: number | null; readonly p95: number | null; readonly last: number | null };
  /**
   * Decode speed (tokens after the first ÷ time after the first) over the last requests: timed as the
   * tokens stream past, or, for a response that came whole, from the runtime's own `usage.completion_time`.
   */
  readonly decodeTokPerSec: { readonly p50: number | null; readonly last: number | null };
  readonly lastRequestAt: number | null;
}

const round = (v: number | null, digits = 1): number | null => (v === null ? null : Number(v.toFixed(digits)));

/**
 * The gateway's MetricsSink: requests, time to first token, tokens and decode
 * speed per model, in bounded memory. Meter calls are synchronous and cheap.
 */
export class ModelMetrics implements MetricsSink {
  private readonly models = new Map<string, ModelCounters>();
  private readonly runtimes = new Map<string, string>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  begin(info: RequestInfo): RequestMeter {
    let counters = this.models.get(info.modelId);
    if (!counters) {
      counters = new ModelCounters();
      this.models.set(info.modelId, counters);
    }
    this.runtimes.set(info.modelId, info.runtimeId);
    counters.requests++;
    counters.inFlight++;
    counters.lastRequestAt = Date.now();
    return new Meter(counters, this.now, info.stream);
  }

  snapshot(): ModelMetricsSnapshot[] {
    return [...this.models.entries()].map(([model, c]) => ({
      model,
      runtime: this.runtimes.get(model) ?? '',
      requests: c.requests,
      errors: c.errors,
      inFlight: c.inFlight,
      waiting: c.waiting,
      tokens: { prompt: c.promptTokens, completion: c.completionTokens },
      ttftMs: { p50: round(c.ttftMs.percentile(50), 2), p95: round(c.ttftMs.percentile(95), 2), last: round(c.ttftMs.last(), 2) },
      decodeTokPerSec: { p50: round(c.decodeTokPerSec.percentile(50)), last: round(c.decodeTokPerSec.last()) },
      lastRequestAt: c.lastRequestAt,
    }));
  }

  totals(): { inFlight: number; waiting: number } {
    let inFlight = 0;
    let waiting = 0;
    for (const c of this.models.values()) {
      inFlight += c.inFlight;
      waiting += c.waiting;
    }
    return { inFlight, waiting };
  }
}

class Meter implements RequestMeter {
  private readonly startedAt: number;
  private firstAt: number | null = null;
  private streamed = 0;
  private isWaiting = false;
  private done = false;

  constructor(
    private readonly counters: ModelCounters,
    private readonly now: () => number,
    private readonly stream: boolean,
  ) {
    this.startedAt = now();
  }

  waiting(): void {
    if (this.isWaiting || this.done) return;
    this.isWaiting = true;
    this.counters.waiting++;
  }

  forwarded(): void {
    this.stopWaiting();
  }

  firstToken(): void {
    if (this.firstAt !== null || this.done) return;
    this.firstAt = this.now();
    this.counters.ttftMs.push(this.firstAt - this.startedAt);
  }

  tokens(n: number): void {
    this.streamed += n;
  }

  finish(result: { status: number; usage?: Usage; error?: string }): void {
    if (this.done) return;
    this.done = true;
    this.stopWaiting();
    this.counters.inFlight--;
    if (result.status >= 400 || result.error) this.counters.errors++;
    const completion = result.usage?.completion_tokens ?? this.streamed;
    this.counters.completionTokens += completion;
    this.counters.promptTokens += result.usage?.prompt_tokens ?? 0;
    const rate = this.stream ? this.streamedRate(completion) : reportedDecodeRate(result.usage);
    if (rate !== null) this.counters.decodeTokPerSec.push(rate);
  }

  private streamedRate(completion: number): number | null {
    if (this.firstAt === null || completion <= 1) return null;
    const seconds = (this.now() - this.firstAt) / 1000;
    return seconds > 0 ? (completion - 1) / seconds : null;
  }

  private stopWaiting(): void {
    if (!this.isWaiting) return;
    this.isWaiting = false;
    this.counters.waiting--;
  }
}

/**
 * The decode rate a runtime reported for a non-streamed response: tokens
 * after the first ÷ `completion_time` (seconds from the first token to the
 * last). Null without a usable figure.
 */
export function reportedDecodeRate(usage: Usage | undefined): number | null {
  const tokens = usage?.completion_tokens;
  const seconds = usage?.completion_time;
  if (typeof tokens !== 'number' || typeof seconds !== 'number' || !(seconds > 0) || tokens <= 1) return null;
  return (tokens - 1) / seconds;
}
