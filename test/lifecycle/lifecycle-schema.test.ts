import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  lifecycleConfigSchema,
  lifecycleSectionSchema,
  modelLifecycleShape,
  modelTtlMinutesSchema,
} from '../../main/config/lifecycle-schema.js';
import { modelTtlMs, poolSettings } from '../../main/lifecycle/settings.js';

describe('lifecycle config schema', () => {
  it('fills defaults: 15 min TTL, no limits', () => {
    expect(lifecycleConfigSchema.parse({})).toEqual({ idleTtlMinutes: 15, maxLoadedModels: 0, memoryBudgetBytes: 0, spareWorker: true });
    expect(z.object({ lifecycle: lifecycleSectionSchema }).parse({})).toEqual({
      lifecycle: { idleTtlMinutes: 15, maxLoadedModels: 0, memoryBudgetBytes: 0, spareWorker: true },
    });
  });

  it('accepts valid values, including fractional minutes', () => {
    const parsed = lifecycleConfigSchema.parse({ idleTtlMinutes: 0.5, maxLoadedModels: 2, memoryBudgetBytes: 8 * 1024 ** 3 });
    expect(poolSettings(parsed)).toEqual({ limits: { maxLoadedModels: 2, memoryBudgetBytes: 8 * 1024 ** 3 }, defaultTtlMs: 30_000 });
  });

  it.each([
    ['negative TTL', { idleTtlMinutes: -1 }, 'idleTtlMinutes'],
    ['fractional model count', { maxLoadedModels: 1.5 }, 'maxLoadedModels'],
    ['negative budget', { memoryBudgetBytes: -5 }, 'memoryBudgetBytes'],
    ['budget as a string', { memoryBudgetBytes: '8GB' }, 'memoryBudgetBytes'],
    ['unknown key (typo)', { maxLoadedModel: 2 }, ''],
  ])('rejects %s, naming the key', (_what, input, key) => {
    const result = lifecycleConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    if (key) expect(issue.path).toEqual([key]);
    else expect(issue.code).toBe('unrecognized_keys');
  });

  it('has an optional per-model ttlMinutes', () => {
    const model = z.object({ path: z.string() }).extend(modelLifecycleShape).strict();
    expect(model.parse({ path: 'a.gguf' })).toEqual({ path: 'a.gguf' });
    expect(model.parse({ path: 'a.gguf', ttlMinutes: 0 })).toEqual({ path: 'a.gguf', ttlMinutes: 0 });
    expect(modelTtlMinutesSchema.safeParse(-2).success).toBe(false);
    expect(modelTtlMs(undefined)).toBeUndefined();
    expect(modelTtlMs(2)).toBe(120_000);
  });
});
