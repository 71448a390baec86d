/**
 * A per-target circuit breaker. Closed: requests go through. After
 * `failures` consecutive failures it opens for a cooldown; once the cooldown
 * is over, exactly one request (the probe) goes through: success closes the
 * circuit and resets the cooldown, failure opens it again for twice as long
 * (up to `maxCooldownMs`). The clock is injected; `check` says why.
 */
import type { BreakerConfig } from '../config/routing-schema.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerCheck {
  readonly allowed: boolean;
  /** This request is the probe that decides whether the circuit closes. */
  readonly probe: boolean;
  readonly reason: string;
}

export interface BreakerView {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** Unix ms when an open circuit lets a probe through. */
  readonly openUntil: number | null;
  readonly cooldownMs: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openUntil: number | null = null;
  private cooldownMs: number;
  private probing = false;

  constructor(
    private settings: BreakerConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.cooldownMs = settings.cooldownMs;
  }

  configure(settings: BreakerConfig): void {
    this.settings = settings;
    this.cooldownMs = Math.min(Math.max(this.cooldownMs, settings.cooldownMs), settings.maxCooldownMs);
  }

  state(): BreakerState {
    if (this.openUntil === null) return 'closed';
    return this.now() >= this.openUntil ? 'half-open' : 'open';
  }

  /** Whether a request may go to this target now. A probe must be followed by success() or failure(). */
  check(): BreakerCheck {
    if (this.openUntil === null) return CLOSED;
    const now = this.now();
    if (now < this.openUntil) {
      const left = ((this.openUntil - now) / 1000).toFixed(1);
      return { allowed: false, probe: false, reason: `circuit open after ${this.failures} failures in a row, next probe in ${left} s` };
    }
    if (this.probing) return { allowed: false, probe: false, reason: 'circuit half-open: a probe request is deciding' };
    this.probing = true;
    return { allowed: true, probe: true, reason: 'circuit half-open: this request is the probe' };
  }

  success(): void {
    this.failures = 0;
    this.openUntil = null;
    this.probing = false;
    this.cooldownMs = this.settings.cooldownMs;
  }

  failure(): void {
    this.failures++;
    if (this.probing) {
      this.probing = false;
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.settings.maxCooldownMs);
      this.openUntil = this.now() + this.cooldownMs;
      return;
    }
    if (this.openUntil === null && this.failures >= this.settings.failures) this.openUntil = this.now() + this.cooldownMs;
  }

  /** A probe that ended without telling (e.g. the client left): let the next request probe. */
  release(): void {
    this.probing = false;
  }

  view(): BreakerView {
    return { state: this.state(), consecutiveFailures: this.failures, openUntil: this.openUntil, cooldownMs: this.cooldownMs };
  }
}

const CLOSED: BreakerCheck = { allowed: true, probe: false, reason: 'circuit closed' };
