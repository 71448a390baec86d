import { describe, expect, it } from 'vitest';
import { openAIErrorBody, runtimeErrorMessage } from '../../main/gateway/runtime-error.js';

const shaped = (status: number, body: unknown): unknown => JSON.parse(openAIErrorBody(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))).toString('utf8'));

describe('openAIErrorBody', () => {
  it("returns an answer already in OpenAI's shape byte for byte", () => {
    const body = Buffer.from('{"error": {"message": "Bad", "type": "invalid_request_error", "param": "n", "code": "invalid_value"}}');
    expect(openAIErrorBody(400, body)).toBe(body);
  });

  it("turns llama-server's numeric code into null and keeps its message, type and extra fields", () => {
    const llama = { error: { code: 400, message: 'request (9000 tokens) exceeds the available context size (2048 tokens)', type: 'exceed_context_size_error', n_prompt_tokens: 9000, n_ctx: 2048 } };
    expect(shaped(400, llama)).toEqual({ error: { message: llama.error.message, type: 'exceed_context_size_error', param: null, code: 'context_length_exceeded', n_prompt_tokens: 9000, n_ctx: 2048 } });
    expect(shaped(500, { error: { code: 500, message: 'Context size has been exceeded.', type: 'server_error' } })).toEqual({ error: { message: 'Context size has been exceeded.', type: 'server_error', param: null, code: null } });
  });

  it("moves older vLLM's top-level fields into `error` and drops its `object`", () => {
    const vllm = { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 };
    expect(shaped(404, vllm)).toEqual({ error: { message: vllm.message, type: 'NotFoundError', param: null, code: null } });
  });

  it("wraps Ollama's bare-string error, FastAPI's detail and plain text, typed by status", () => {
    expect(shaped(404, { error: 'model "llama3" not found, try pulling it first' })).toEqual({ error: { message: 'model "llama3" not found, try pulling it first', type: 'invalid_request_error', param: null, code: null } });
    expect(shaped(422, { detail: 'Field required' })).toEqual({ error: { message: 'Field required', type: 'invalid_request_error', param: null, code: null } });
    expect(shaped(502, 'Bad Gateway\n')).toEqual({ error: { message: 'Bad Gateway', type: 'server_error', param: null, code: null } });
    expect(shaped(503, '')).toMatchObject({ error: { type: 'server_error', param: null, code: null, message: expect.stringContaining('503') } });
  });

  it('keeps a string code and param as the runtime gave them', () => {
    expect(shaped(400, { error: { message: 'Too long', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages', extra: 1 } })).toEqual({ error: { message: 'Too long', type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded', extra: 1 } });
  });
});

describe('runtimeErrorMessage', () => {
  it('finds the message wherever the runtime put it, else gives the text', () => {
    expect(runtimeErrorMessage('{"error":{"message":"a"}}')).toBe('a');
    expect(runtimeErrorMessage('{"error":"b"}')).toBe('b');
    expect(runtimeErrorMessage('{"object":"error","message":"c"}')).toBe('c');
    expect(runtimeErrorMessage('  plain words \n')).toBe('plain words');
  });
});
