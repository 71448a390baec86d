/**
 * Ollama's management API as a DaemonProtocol (facts: ollama/ollama
 * server/routes.go and docs/api.md; see also ../adapters/ollama.ts).
 *
 * - models: GET /api/tags; loaded: GET /api/ps (with context_length);
 * - load: POST /api/generate {model, keep_alive} without a prompt (plus
 *   options.num_ctx when a context is asked for); an embedding-only model is
 *   refused there ("does not support generate") and loads through
 *   POST /api/embed instead;
 * - unload: POST /api/generate {model, keep_alive: 0}; Ollama answers before
 *   the memory is freed, so the caller polls /api/ps.
 * - cloud models (tag `cloud` or `*-cloud`, e.g. `gpt-oss:120b-cloud`) are
 *   left out: Ollama forwards them to ollama.com, and Homeport serves local
 *   models only. (An Ollama Homeport starts has OLLAMA_NO_CLOUD=1 as well.)
 */
import { buildOllamaLoadRequest, buildOllamaUnloadRequest, OLLAMA_LOADED_MODELS, parseOllamaTags } from '../adapters/ollama.js';
import type { KeepAlive } from '../adapters/ollama.js';
import type { HttpRequestSpec } from '../adapters/common.js';
import type { RuntimeEndpoint } from '../../types.js';
import { DaemonRequestError, describeFailure, requestJson } from './json-request.js';
import type { JsonResponse } from './json-request.js';
import type { DaemonProtocol, LoadModelRequest } from './protocol.js';

export interface OllamaProtocolOptions {
  /** How long a model Homeport loads stays loaded. Default forever: Homeport's own idle policy unloads it. */
  readonly keepAlive?: KeepAlive;
  readonly fetch?: typeof fetch;
}

/** A model Ollama runs on ollama.com rather than on this machine. */
export function isOllamaCloudModel(name: string): boolean {
  const tag = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : '';
  return tag === 'cloud' || tag.endsWith('-cloud');
}

export function ollamaProtocol(options: OllamaProtocolOptions = {}): DaemonProtocol {
  const keepAlive = options.keepAlive ?? { forever: true };
  const send = (endpoint: RuntimeEndpoint, spec: HttpRequestSpec, signal: AbortSignal): Promise<JsonResponse> =>
    requestJson({ endpoint, method: spec.method, path: spec.path, body: spec.body, signal, fetch: options.fetch });

  const get = async (endpoint: RuntimeEndpoint, path: string, signal: AbortSignal): Promise<unknown> => {
    const response = await requestJson({ endpoint, method: 'GET', path, signal, fetch: options.fetch });
    if (response.status !== 200) throw new DaemonRequestError(`GET ${path} answered ${describeFailure(response)}`);
    return response.json;
  };

  const loadWith = (request: LoadModelRequest, embedding: boolean): HttpRequestSpec => {
    const spec = buildOllamaLoadRequest({ model: request.model, keepAlive, embedding });
    if (request.contextLength === undefined) return spec;
    return { ...spec, body: { ...spec.body, options: { num_ctx: request.contextLength } } };
  };

  return {
    kind: 'ollama',
    displayName: 'Ollama',

    async listModels(endpoint, signal) {
      const parsed = parseOllamaTags(await get(endpoint, '/api/tags', signal));
      if (!parsed.ok) throw new DaemonRequestError(parsed.reason);
      return parsed.value
        .filter((m) => !isOllamaCloudModel(m.id))
        .map((m) => ({ name: m.id, type: m.type, sizeBytes: m.sizeBytes, maxContextLength: m.maxContextLength }));
    },

    async listLoaded(endpoint, signal) {
      const parsed = OLLAMA_LOADED_MODELS.parse(await get(endpoint, OLLAMA_LOADED_MODELS.path, signal));
      if (!parsed.ok) throw new DaemonRequestError(parsed.reason);
      return parsed.value.map((m) => ({ name: m.id, contextLength: m.contextLength, sizeBytes: m.sizeBytes }));
    },

    async load(endpoint, request) {
      let response = await send(endpoint, loadWith(request, false), request.signal);
      if (response.status === 400 && describeFailure(response).includes('does not support generate')) {
        response = await send(endpoint, loadWith(request, true), request.signal);
      }
      if (response.status !== 200) throw new DaemonRequestError(`Ollama did not load ${request.model}: ${describeFailure(response)}`);
    },

    async unload(endpoint, model, signal) {
      const response = await send(endpoint, buildOllamaUnloadRequest(model), signal);
      // 404: the model no longer exists, so it is not loaded either.
      if (response.status !== 200 && response.status !== 404) {
        throw new DaemonRequestError(`Ollama did not unload ${model}: ${describeFailure(response)}`);
      }
    },
  };
}
