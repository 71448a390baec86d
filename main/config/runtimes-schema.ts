import { z } from 'zod';

/**
 * The external runtimes section of the config (part of the config schema as
 * `runtimes: runtimesSectionSchema`): llama.cpp's
 * llama-server, Ollama, LM Studio and vLLM, each served behind Homeport's one
 * endpoint.
 *
 * Every runtime has a `mode`:
 * - `auto` (default): use what is there. Ollama / LM Studio: attach to the
 *   one already running (default port or `url`), else start it when it is
 *   installed. llama-server / vLLM: start the configured models, and also
 *   attach to a server already running at `url` (default port).
 * - `attach`: only use a server that is already running; never start one.
 * - `spawn`: only what Homeport starts itself (Ollama / LM Studio: Homeport's
 *   own server on a free port, even when another one runs).
 * - `off`: ignore the runtime.
 * Homeport never stops or kills a server it attached to; it only unloads the
 * models it loaded there.
 *
 * `path` is the runtime's binary (`lms` for LM Studio) when it is not on PATH.
 * `url` must be a loopback address (Homeport only talks to this machine).
 */

export const RUNTIME_MODES = ['auto', 'attach', 'spawn', 'off'] as const;
export type RuntimeMode = (typeof RUNTIME_MODES)[number];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const loopbackUrl = z
  .string()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) && (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '';
      } catch {
        return false;
      }
    },
    { message: 'use an http URL on this machine without a path, e.g. http://127.0.0.1:11434' },
  )
  .transform((value) => value.replace(/\/+$/, ''));

const binaryPath = z.string().min(1);

/**
 * The key of a server started with one (llama-server/vLLM `--api-key`, LM
 * Studio with API tokens): `apiKeySecret` names a secret in Homeport's
 * secret store (`homeport secrets set NAME`; the environment variable
 * NAME_API_KEY also works), `apiKeyEnv` an environment variable. Homeport
 * sends it as `Authorization: Bearer` on every request to that server.
 */
const apiKeyFields = {
  apiKeySecret: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a secret name: letters, digits, _ . - (at most 64)').optional(),
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name').optional(),
};
const mode = z.enum(RUNTIME_MODES).default('auto');
/** Context lengths a model is loaded with, in tokens. */
const contextLength = z.number().int().min(256).max(1_048_576);

/** The runtime's name for a model as Homeport shows it after the `<runtime>/` prefix. */
const modelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'letters, digits and . _ : / - only, at most 128 characters');

export const llamaServerConfigSchema = z
  .object({
    /** The llama-server binary when it is not on PATH. */
    path: binaryPath.optional(),
    /** Where an already running llama-server answers (default http://127.0.0.1:8080). */
    url: loopbackUrl.optional(),
    mode,
    ...apiKeyFields,
  })
  .strict();

export const llamaServerModelSchema = z
  .object({
    /** The .gguf file. */
    path: z.string().min(1),
    /** Served as `llama-server/<id>`; default: a slug of the file name. */
    id: modelId.optional(),
    /** Context tokens per parallel slot (llama-server gets -c ctx × parallel). Default 4096 or the config's defaults.ctx. */
    ctx: z.number().int().min(128).max(1_048_576).optional(),
    /** Parallel slots (-np). Default 1 or the config's defaults.parallel. */
    parallel: z.number().int().min(1).max(64).optional(),
    /** Layers on the GPU (-ngl): a number, 'auto' or 'all'. Default: llama.cpp's own choice. */
    ngl: z.union([z.number().int().min(0).max(1000), z.enum(['auto', 'all'])]).optional(),
    /** CPU threads (-t). Default: the config's defaults.threads, else llama.cpp's own choice. */
    threads: z.number().int().min(1).max(1024).optional(),
    /** Serve /v1/embeddings (llama-server's --embeddings; for embedding models). Default false. */
    embeddings: z.boolean().optional(),
  })
  .strict();

export const ollamaConfigSchema = z
  .object({
    path: binaryPath.optional(),
    /** Where an already running Ollama answers (default http://127.0.0.1:11434). */
    url: loopbackUrl.optional(),
    mode,
    /**
     * Context every model is loaded with, for the Ollama Homeport starts (it
     * sets OLLAMA_CONTEXT_LENGTH; default 4096). An Ollama Homeport attaches to
     * keeps its own setting: its OpenAI-compatible API cannot carry a context,
     * so set OLLAMA_CONTEXT_LENGTH where that Ollama is started.
     */
    contextLength: contextLength.optional(),
  })
  .strict()
  .refine((o) => !(o.mode === 'attach' && o.contextLength !== undefined), {
    message: "contextLength only applies to the Ollama Homeport starts (mode 'spawn' or 'auto'); for an Ollama you start yourself set OLLAMA_CONTEXT_LENGTH there",
    path: ['contextLength'],
  });

export const lmStudioConfigSchema = z
  .object({
    /** The `lms` CLI when it is not on PATH. */
    path: binaryPath.optional(),
    /** Where an already running LM Studio server answers (default http://127.0.0.1:1234). */
    url: loopbackUrl.optional(),
    mode,
    ...apiKeyFields,
    /** Context every model is loaded with (`lms load -c`); default: LM Studio's own. */
    contextLength: contextLength.optional(),
  })
  .strict();

export const vllmModelSchema = z
  .object({
    /** Hugging Face model id or local path, as `vllm serve` takes it. */
    model: z.string().min(1),
    /** Served as `vllm/<id>` (vLLM's --served-model-name); default: the model. */
    id: modelId.optional(),
    /** --max-model-len: the context length. Default: the model's own. */
    maxModelLen: contextLength.optional(),
    /** --gpu-memory-utilization, 0 < f ≤ 1. Default: vLLM's 0.9. */
    gpuMemoryUtilization: z.number().gt(0).max(1).optional(),
    /** --max-num-seqs: sequences served at once. Default: vLLM's own. */
    maxNumSeqs: z.number().int().min(1).max(4096).optional(),
  })
  .strict();

export const vllmConfigSchema = z
  .object({
    path: binaryPath.optional(),
    /** Where an already running vLLM answers (default http://127.0.0.1:8000). */
    url: loopbackUrl.optional(),
    mode,
    ...apiKeyFields,
    /** Models Homeport starts, one vLLM process each (needs a CUDA GPU). */
    models: z.array(vllmModelSchema).max(64).default([]),
  })
  .strict();

export const runtimesConfigSchema = z
  .object({
    llamaServer: llamaServerConfigSchema.prefault({}),
    /** GGUF files served by llama-server, one process each. */
    llamaServerModels: z.array(llamaServerModelSchema).max(256).default([]),
    ollama: ollamaConfigSchema.prefault({}),
    lmstudio: lmStudioConfigSchema.prefault({}),
    vllm: vllmConfigSchema.prefault({}),
    /**
     * Look for runtime servers again this often (seconds), so one started or
     * stopped after Homeport is picked up; 0 = only on an explicit refresh.
     * Each pass is bounded (every probe has a short timeout). Default 30.
     */
    redetectSeconds: z.number().int().min(0).max(86_400).default(30),
  })
  .strict();

/** The section with every default applied when it is missing. */
export const runtimesSectionSchema = runtimesConfigSchema.prefault({});

export type RuntimesConfig = z.infer<typeof runtimesConfigSchema>;
export type RuntimesConfigInput = z.input<typeof runtimesConfigSchema>;
export type LlamaServerModelConfig = z.infer<typeof llamaServerModelSchema>;
export type VllmModelConfig = z.infer<typeof vllmModelSchema>;
