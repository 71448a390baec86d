/**
 * The answer writers (responses/response-json.ts, anthropic/message-json.ts)
 * give exactly JSON.stringify's bytes for every answer the translations make:
 * the common shapes through their fixed frame (never stringifying the whole
 * object), every other shape through JSON.stringify itself.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonValue } from '../../main/gateway/surfaces/json-value.js';
import { messageJson } from '../../main/gateway/surfaces/anthropic/message-json.js';
import { toAnthropicMessage } from '../../main/gateway/surfaces/anthropic/from-chat.js';
import { responseJson } from '../../main/gateway/surfaces/responses/response-json.js';
import { responseObject, ResponsesStreamTranslator, toResponse, type ResponseFrame } from '../../main/gateway/surfaces/responses/from-chat.js';
import type { ResponsesRequest } from '../../main/gateway/surfaces/responses/to-chat.js';

type Json = Record<string, unknown>;

/** Text that needs escaping: quotes, backslashes, control characters, non-ASCII, an emoji, a lone surrogate. */
const awkward = 'She said "hi"\\ then\n\ttabbed \u0001 — café 🦊 \ud800 </script>';

const completion = (message: Json, extra: Json = {}): Json => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1796505683,
  model: 'stories260k',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: 'length' }],
  usage: { prompt_tokens: 25, completion_tokens: 1, total_tokens: 26, prompt_time: 0.02 },
  ...extra,
});

const frame = (request: Json): ResponseFrame => ({ id: 'resp_0123456789abcdef0123456789abcdef', createdAt: 1796505683, request: { model: 'stories260k', input: 'Once upon a time', ...request } as ResponsesRequest });

/** Calls `write` and says whether JSON.stringify was handed the whole object. */
function stringifiedWhole(write: (value: Json) => string, value: Json): { text: string; whole: boolean } {
  const spy = vi.spyOn(JSON, 'stringify');
  const text = write(value);
  const whole = spy.mock.calls.some(([argument]) => argument === value);
  spy.mockRestore();
  return { text, whole };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('jsonValue', () => {
  it('writes each value as JSON.stringify does', () => {
    for (const value of ['', awkward, 0, -0, 1.5, 1e21, 1e-7, -3, true, false, null, { a: [1, 'x'] }, [null]]) expect(jsonValue(value)).toBe(JSON.stringify(value));
    expect(jsonValue(Number.NaN)).toBe('null');
    expect(jsonValue(Number.POSITIVE_INFINITY)).toBe('null');
  });
});

describe('responseJson', () => {
  const common: [string, ResponseFrame, Json][] = [
    ['the bench request (text, max_output_tokens reached, store false)', frame({ max_output_tokens: 1, temperature: 0, store: false }), completion({ content: 'is' })],
    ['every echoed setting given', frame({ instructions: awkward, max_output_tokens: 64, temperature: 0.7, top_p: 1e-7, store: true, parallel_tool_calls: false, previous_response_id: 'resp_prev', user: 'u "1"', tool_choice: 'none', tools: [] }), completion({ content: awkward }, { usage: { prompt_tokens: 3, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 2 } } })],
    ['no text out, no usage', frame({}), completion({ content: '' }, { usage: undefined })],
    ['usage the runtime wrote oddly', frame({}), completion({ content: 'x' }, { usage: { prompt_tokens: '25', completion_tokens: 1.5, prompt_tokens_details: { cached_tokens: { n: 1 } } } })],
    ['null settings', frame({ instructions: null, temperature: null, user: null, store: null, text: null, metadata: null, tools: null, tool_choice: null }), completion({ content: 'y' })],
  ];
  it.each(common)('%s: the fixed frame, same bytes', (_name, f, c) => {
    const response = toResponse(f, c);
    const { text, whole } = stringifiedWhole(responseJson, response);
    expect(text).toBe(JSON.stringify(response));
    expect(whole).toBe(false);
    expect(JSON.parse(text)).toEqual(response);
  });

  it('writes the in-progress and final objects of a stream the same way', () => {
    const translator = new ResponsesStreamTranslator(frame({ stream: true }));
    const inProgress = responseObject(frame({ stream: true }), { status: 'in_progress', output: [], usage: null });
    expect(responseJson(inProgress)).toBe(JSON.stringify(inProgress));
    translator.start();
    translator.push({ choices: [{ index: 0, delta: { content: awkward } }] });
    translator.push({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 9 } });
    const { response } = translator.finish();
    const { text, whole } = stringifiedWhole(responseJson, response);
    expect(text).toBe(JSON.stringify(response));
    expect(whole).toBe(false);
  });

  const other: [string, ResponseFrame, Json][] = [
    ['function tools', frame({ tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }] }), completion({ content: 'x' })],
    ['a named tool choice', frame({ tool_choice: { type: 'function', name: 'f' } }), completion({ content: 'x' })],
    ['a text format', frame({ text: { format: { type: 'json_object' } } }), completion({ content: '{}' })],
    ['the text format given as text', frame({ text: { format: { type: 'text' } } }), completion({ content: 'x' })],
    ['metadata', frame({ metadata: { a: 'b' } }), completion({ content: 'x' })],
    ['tool calls out', frame({}), completion({ content: 'x', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] })],
  ];
  it.each(other)('%s: JSON.stringify itself', (_name, f, c) => {
    const response = toResponse(f, c);
    const { text, whole } = stringifiedWhole(responseJson, response);
    expect(text).toBe(JSON.stringify(response));
    expect(whole).toBe(true);
  });

  it('a failed response goes to JSON.stringify', () => {
    const failed = responseObject(frame({}), { status: 'failed', output: [], usage: null, error: { code: 'server_error', message: 'x' } });
    const { text, whole } = stringifiedWhole(responseJson, failed);
    expect(text).toBe(JSON.stringify(failed));
    expect(whole).toBe(true);
  });
});

describe('messageJson', () => {
  const options = { model: 'stories260k', stopSequences: ['The end'] };
  const common: [string, Json][] = [
    ['the bench request (text, max_tokens reached)', completion({ content: 'is' })],
    ['awkward text, stopped by a stop sequence, cached tokens', { choices: [{ message: { content: awkward }, finish_reason: 'stop', stop_reason: 'The end' }], usage: { prompt_tokens: 7, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 4 } } }],
    ['no text, no usage', { choices: [{ message: { content: '' }, finish_reason: 'stop' }] }],
    ['usage the runtime wrote oddly', { choices: [{ message: { content: 'x' } }], usage: { prompt_tokens: '7', completion_tokens: null } }],
  ];
  it.each(common)('%s: the fixed frame, same bytes', (_name, c) => {
    const message = toAnthropicMessage(c, options);
    const { text, whole } = stringifiedWhole(messageJson, message);
    expect(text).toBe(JSON.stringify(message));
    expect(whole).toBe(false);
    expect(JSON.parse(text)).toEqual(message);
  });

  it('tool_use blocks go to JSON.stringify', () => {
    const message = toAnthropicMessage({ choices: [{ message: { content: 'x', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' }] }, options);
    const { text, whole } = stringifiedWhole(messageJson, message);
    expect(text).toBe(JSON.stringify(message));
    expect(whole).toBe(true);
  });

  it('keeps the key order clients saw before', () => {
    const message = toAnthropicMessage(completion({ content: 'is' }), options);
    expect(Object.keys(JSON.parse(messageJson(message)) as Json)).toEqual(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);
  });
});
