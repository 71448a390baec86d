/**
 * Health and load of self-hosted providers (servers on the LAN or a
 * cluster), polled in the background so routing decisions only read the last
 * result: `GET <baseUrl>/models` says whether it answers, and its Prometheus
 * `/metrics`, where it has one, how many requests run and wait. Cloud
 * providers are not polled (their health shows in the answers, and the
 * circuit breaker handles failures).
 */
import { request } from 'undici';
import type { ProviderHealth } from './policies.js';
import { parseServerLoad } from './prometheus.js';

export interface HealthTarget {
  readonly name: string;
  readonly baseUrl: string;
  readonly metricsPath: string;
  /** Auth headers (never logged). */
  readonly headers: () => Promise<Readonly<Record<string, string>>>;
}

export interface ProviderHealthOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly scrub: (text: string) => string;
}

export class ProviderHealthMonitor {
  private readonly results = new Map<string, ProviderHealth>();
  private targets: readonly HealthTarget[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: ProviderHealthOptions) {}

  get(name: string): ProviderHealth | undefined {
    return this.results.get(name);
  }

  /** Replace what is polled and check it at once. */
  watch(targets: readonly HealthTarget[]): void {
    this.targets = targets;
    for (const name of [...this.results.keys()]) if (!targets.some((t) => t.name === name)) this.results.delete(name);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (targets.length === 0) return;
    void this.checkNow();
    this.timer = setInterval(() => void this.checkNow(), this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** One round over every target (concurrent rounds share one). */
  checkNow(): Promise<void> {
    this.running ??= Promise.all(this.targets.map((t) => this.check(t))).then(
      () => {
        this.running = null;
      },
      () => {
        this.running = null;
      },
    );
    return this.running;
  }

  private async check(target: HealthTarget): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const headers = await target.headers();
    const checkedAt = Date.now();
    let health: ProviderHealth;
    try {
      const res = await request(`${target.baseUrl.replace(/\/+$/, '')}/models`, { headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.body.dump();
      health = res.statusCode < 500 ? { ok: true, reason: `GET /models answered ${res.statusCode}`, checkedAt } : { ok: false, reason: `health check: GET /models answered ${res.statusCode}`, checkedAt };
    } catch (err) {
      const code = (err as { code?: string }).code;
      health = { ok: false, reason: `health check failed: ${this.options.scrub(code ?? (err as Error).message)}`, checkedAt };
    }
    if (health.ok) {
      try {
        const origin = new URL(target.baseUrl).origin;
        const res = await request(`${origin}${target.metricsPath}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
        if (res.statusCode === 200) {
          const load = parseServerLoad(await res.body.text());
          if (load) health = { ...health, load };
        } else await res.body.dump();
      } catch {
        // No metrics endpoint: health alone decides.
      }
    }
    this.results.set(target.name, health);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
