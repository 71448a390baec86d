import { z } from 'zod';
import { availableParallelism } from 'node:os';
import { lifecycleSectionSchema, modelLifecycleShape } from './lifecycle-schema.js';
import { runtimesSectionSchema } from './runtimes-schema.js';
import { cacheSectionSchema } from './cache-schema.js';
import { desktopSectionSchema } from './desktop-schema.js';
import { lanSectionSchema } from './lan-schema.js';
import { checkRouteTargets, routingShape } from './routing-schema.js';
import { DEFAULT_LIVENESS } from '../runtimes/process/liveness.js';

/**
 * Homeport's configuration file, validated at load time. Unknown keys are
 * rejected (a typo must not be silently ignored) and every error names the
 * key it is about.
 */

/** 4663 spells HOME on a phone keypad; no common runtime uses it. */
export const DEFAULT_PORT = 4663;
/** Ports other tools own; refusing them avoids a confusing clash. */
export const RESERVED_PORTS: ReadonlyMap<number, string> = new Map([
  [1234, 'LM Studio'],
  [1337, 'Jan'],
  [4000, 'LiteLLM'],
  [8000, 'vLLM'],
  [8080, 'llama-server'],
  [8787, 'Portkey gateway'],
  [11434, 'Ollama'],
]);

/** Half the logical cores (≈ physical cores), at least 1: llama.cpp decoding is memory-bound and oversubscribing collapses speed. */
export function defaultThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / - only, at most 128 characters');

const runtimeTuning = z
  .object({
    /** Context tokens per parallel slot. */
    ctx: z.number().int().min(128).max(1_048_576).optional(),
    /** Parallel sequences (slots) of one context. */
    parallel: z.number().int().min(1).max(64).optional(),
    /** CPU threads; clamped to the machine's available cores. */
    threads: z.number().int().min(1).max(1024).optional(),
    /** Requests waiting beyond the slots before 429. */
    queue: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

export const modelConfigSchema = runtimeTuning
  .extend({
    /** Path to a .gguf file. */
    path: z.string().min(1),
    /** Defaults to a slug of the file name. */
    id: modelId.optional(),
    aliases: z.array(modelId).max(32).optional(),
    ...modelLifecycleShape,
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    port: z
      .number()
      .int()
      .min(1024, 'use a port from 1024 up')
      .max(65535)
      .refine((p) => !RESERVED_PORTS.has(p), { message: 'this port belongs to another runtime (LM Studio, Jan, LiteLLM, vLLM, llama-server, Portkey or Ollama)' })
      .default(DEFAULT_PORT),
    /** Largest request body the gateway accepts. */
    bodyLimitBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(8 * 1024 * 1024),
    /** How long a request waits for a runtime that is starting before 503. */
    readyDeadlineMs: z.number().int().min(0).max(3_600_000).default(60_000),
    /** Defaults for every model; a model's own settings win. */
    defaults: runtimeTuning.default({}),
    models: z.array(modelConfigSchema).default([]),
    /** Idle unloading and how many models may be loaded at once. */
    lifecycle: lifecycleSectionSchema,
    /** llama-server, Ollama, LM Studio and vLLM: attach to them or start them. */
    runtimes: runtimesSectionSchema,
    /** Extra folders scanned for .gguf files besides <data dir>/models. */
    modelFolders: z.array(z.string().min(1)).default([]),
    /** The response cache: on/off, TTL and size limit (cache-schema.ts); per-route settings are in routes. */
    cache: cacheSectionSchema,
    /** Providers, routes, privacy and the circuit breaker (routing-schema.ts). */
    ...routingShape,
    /** The desktop app: start on login, close to tray, theme (desktop-schema.ts). */
    desktop: desktopSectionSchema,
    /** Serve /v1 to other machines on the network (needs an app key; lan-schema.ts). */
    lan: lanSectionSchema,
    supervisor: z
      .object({
        startDeadlineMs: z.number().int().min(100).default(120_000),
        stopTimeoutMs: z.number().int().min(0).default(5_000),
        crashLimit: z.object({ count: z.number().int().min(1), windowMs: z.number().int().min(1000) }).strict().default({ count: 5, windowMs: 60_000 }),
        backoff: z
          .object({ initialMs: z.number().int().min(0), factor: z.number().min(1), maxMs: z.number().int().min(0) })
          .strict()
          .default({ initialMs: 500, factor: 2, maxMs: 30_000 }),
        logLines: z.number().int().min(10).max(100_000).default(500),
        /** Health checks while ready: a runtime that misses `failures` in a row is killed and restarted. */
        liveness: z
          .object({ intervalMs: z.number().int().min(100), failures: z.number().int().min(1), timeoutMs: z.number().int().min(100) })
          .strict()
          .default(DEFAULT_LIVENESS),
      })
      .strict()
      .default({
        startDeadlineMs: 120_000,
        stopTimeoutMs: 5_000,
        crashLimit: { count: 5, windowMs: 60_000 },
        backoff: { initialMs: 500, factor: 2, maxMs: 30_000 },
        logLines: 500,
        liveness: DEFAULT_LIVENESS,
      }),
  })
  .strict()
  .superRefine(checkRouteTargets);

export type HomeportConfig = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ConfigInput = z.input<typeof configSchema>;
