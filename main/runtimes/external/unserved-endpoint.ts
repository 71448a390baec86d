/**
 * What to tell a client when a runtime refuses an endpoint it does not serve
 * (llama-server's 501 for /v1/embeddings without --embeddings, say). The
 * runtime's own message names a flag the user cannot pass through Homeport;
 * this says what to change in Homeport's config instead. Pure: the gateway
 * calls it with the upstream answer and puts the advice in its error.
 */

export interface UnservedEndpointInput {
  /** The runtime kind (`owned_by`): llama-server, vllm, ollama, lmstudio, homeport-embedded. */
  readonly ownedBy: string;
  /** The model as the client named it. */
  readonly modelId: string;
  /** The OpenAI path, e.g. `/v1/embeddings`. */
  readonly path: string;
  readonly status: number;
  /** The upstream error body as text (first few KiB are enough). */
  readonly body: string;
  /** True when Homeport started this runtime (its config can change how it is started). */
  readonly spawnedByHomeport: boolean;
}

/** Advice to add to the error, or null when the answer is not an "endpoint not served" refusal. */
export function unservedEndpointAdvice(input: UnservedEndpointInput): string | null {
  const { ownedBy, modelId, path, status, body } = input;
  const lower = body.toLowerCase();
  if (ownedBy === 'llama-server' && path === '/v1/embeddings' && (status === 501 || (status === 400 && lower.includes('embedding')))) {
    return input.spawnedByHomeport
      ? `"${modelId}" was started without embeddings. Set "embeddings": true for this model under runtimes.llamaServerModels in Homeport's config, then restart the model.`
      : `"${modelId}" runs in a llama-server Homeport did not start, and it was started without --embeddings. Restart that llama-server with --embeddings.`;
  }
  if (ownedBy === 'llama-server' && path !== '/v1/embeddings' && status === 501 && lower.includes('embedding')) {
    return `"${modelId}" is served for embeddings only. Remove "embeddings": true for this model under runtimes.llamaServerModels in Homeport's config, or use another model for ${path}.`;
  }
  if (ownedBy === 'vllm' && path === '/v1/embeddings' && (status === 404 || status === 400)) {
    return `"${modelId}" is a vLLM generation model; vLLM serves /v1/embeddings only for a pooling model (vllm serve --runner pooling). Use an embedding model for ${path}.`;
  }
  if (ownedBy === 'vllm' && path !== '/v1/embeddings' && status === 404 && lower.includes('not found')) {
    return `"${modelId}" is a vLLM pooling (embedding) model and serves only /v1/embeddings; use a generation model for ${path}.`;
  }
  return null;
}

/** The client's message: the runtime's own words (as one sentence), then the advice. */
export function unservedMessage(runtimeId: string, said: string, advice: string): string {
  const sentence = said.trim().replace(/[\s.]+$/, '');
  return sentence === '' ? advice : `${runtimeId}: ${sentence}. ${advice}`;
}
