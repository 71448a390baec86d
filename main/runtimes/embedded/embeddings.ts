/**
 * POST /v1/embeddings with the model's embedding context (created on first
 * use). `input` is a string, an array of strings, token ids or arrays of token
 * ids; `encoding_format` is `float` (default) or `base64` (the vector as
 * little-endian float32 bytes). Inputs are embedded one after another; the
 * embedding context serializes its evaluations anyway.
 */
import type { LlamaEmbeddingContext, Token } from 'node-llama-cpp';
import { contextLengthExceeded, invalidRequest } from './api-errors.js';
import { assertKnownTokens } from './generation-job.js';
import { sendJson } from './http-io.js';
import type { ModelHost } from './model-host.js';
import { embeddingSchema, parseRequest, type EmbeddingRequest } from './request-schemas.js';
import type { RouteContext } from './route-context.js';

type EmbeddingInput = string | Token[];

export async function handleEmbeddings(context: RouteContext): Promise<void> {
  const { host, response, signal } = context;
  const request = parseRequest(embeddingSchema, context.body);
  const inputs = embeddingInputs(host, request.input);
  const dimension = host.model.embeddingVectorSize;
  if (request.dimensions != null && request.dimensions !== dimension) {
    throw invalidRequest(`This model's embeddings have ${dimension} dimensions; 'dimensions' cannot change that.`, 'dimensions');
  }

  const embedder = await host.embeddingContext();
  const lengths = inputs.map((input) => embedder.calculateInputLength(input));
  const tooLong = lengths.find((length) => length >= host.contextSize);
  if (tooLong !== undefined) throw contextLengthExceeded({ param: 'input', promptTokens: tooLong, contextSize: host.contextSize });

  const base64 = request.encoding_format === 'base64';
  const data = [];
  for (const [index, input] of inputs.entries()) {
    if (signal.aborted) return;
    const vector = await embed(embedder, input);
    data.push({ object: 'embedding', index, embedding: base64 ? float32Base64(vector) : vector });
  }
  if (signal.aborted) return;

  const promptTokens = lengths.reduce((sum, length) => sum + length, 0);
  sendJson(response, 200, {
    object: 'list',
    data,
    model: host.modelId,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

async function embed(embedder: LlamaEmbeddingContext, input: EmbeddingInput): Promise<readonly number[]> {
  const embedding = await embedder.getEmbeddingFor(typeof input === 'string' ? input : [...input]);
  return embedding.vector;
}

function embeddingInputs(host: ModelHost, input: EmbeddingRequest['input']): EmbeddingInput[] {
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  const lists = input.every((item): item is number => typeof item === 'number') ? [input] : (input as number[][]);
  for (const list of lists) assertKnownTokens(host, list, 'input');
  return lists.map((list) => list as Token[]);
}

/** The vector as little-endian float32 bytes, base64-encoded (OpenAI's `encoding_format: "base64"`). */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}
