/**
 * From the config's lifecycle section (minutes, human units) to what the
 * model pool takes (milliseconds).
 */
import type { LifecycleConfig } from '../config/lifecycle-schema.js';
import type { ModelPoolOptions } from './model-pool.js';

const MINUTE_MS = 60_000;

export function minutesToMs(minutes: number): number {
  return Math.round(minutes * MINUTE_MS);
}

/** Pool limits and default TTL from the config section. */
export function poolSettings(config: LifecycleConfig): Pick<ModelPoolOptions, 'limits' | 'defaultTtlMs'> {
  return {
    limits: { maxLoadedModels: config.maxLoadedModels, memoryBudgetBytes: config.memoryBudgetBytes },
    defaultTtlMs: minutesToMs(config.idleTtlMinutes),
  };
}

/** A model's own TTL in ms, or undefined to use the pool's default. */
export function modelTtlMs(ttlMinutes: number | undefined): number | undefined {
  return ttlMinutes === undefined ? undefined : minutesToMs(ttlMinutes);
}
