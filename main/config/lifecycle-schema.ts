import { z } from 'zod';

/**
 * The model lifecycle section of the config (part of config/schema.ts):
 * idle unloading and how many models may be loaded at once.
 *
 * Merge as `lifecycle: lifecycleSectionSchema` (fills every default when the
 * section is missing), and add `ttlMinutes: modelTtlMinutesSchema` to the
 * per-model schema.
 */
export const lifecycleConfigSchema = z
  .object({
    /** Unload a model after this many minutes without requests. 0 = never. */
    idleTtlMinutes: z.number().min(0).default(15),
    /** How many models may be loaded at once; the least recently used idle one is evicted. 0 = unlimited. */
    maxLoadedModels: z.number().int().min(0).default(0),
    /** Memory the loaded models may take together (estimated), in bytes. 0 = unlimited. */
    memoryBudgetBytes: z.number().int().min(0).default(0),
    /**
     * Keep one spare embedded worker with node-llama-cpp already loaded, so an embedded model start
     * skips ~1 s of the cold start (runtimes/embedded/spare-worker.ts). false: every start is cold.
     */
    spareWorker: z.boolean().default(true),
  })
  .strict();

/** The section with its defaults applied when absent (zod 4: prefault parses the default). */
export const lifecycleSectionSchema = lifecycleConfigSchema.prefault({});

/** Per-model override of idleTtlMinutes. 0 = never unload this model when idle. */
export const modelTtlMinutesSchema = z.number().min(0).optional();

/** The per-model lifecycle field as an object, for `.extend(modelLifecycleShape)`. */
export const modelLifecycleShape = { ttlMinutes: modelTtlMinutesSchema } as const;

export type LifecycleConfig = z.infer<typeof lifecycleConfigSchema>;
export type LifecycleConfigInput = z.input<typeof lifecycleConfigSchema>;
export type ModelTtlMinutes = z.infer<typeof modelTtlMinutesSchema>;
