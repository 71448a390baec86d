import { describe, expect, it } from 'vitest';
import { canonicalJson, contextKey, exactKey } from '../../main/cache/canonical-key.js';
import { chatRequest } from './fixtures.js';

describe('exact key', () => {
  it('ignores key order and JSON whitespace', () => {
    const a = JSON.parse('{"model":"m","temperature":0,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"b":1,"a":2}}}]}');
    const b = JSON.parse(`{
      "tools": [ { "function": { "parameters": { "a": 2, "b": 1 }, "name": "f" }, "type": "function" } ],
      "messages": [ { "content": "hi", "role": "user" } ],
      "temperature": 0.0,
      "model": "m"
    }`);
    expect(exactKey({ route: 'r', endpoint: 'chat.completions', body: a })).toBe(exactKey({ route: 'r', endpoint: 'chat.completions', body: b }));
  });

  it('keeps whitespace inside strings: it changes the prompt', () => {
    expect(exactKey(chatRequest({ messages: [{ role: 'user', content: 'hi' }] }))).not.toBe(exactKey(chatRequest({ messages: [{ role: 'user', content: 'hi ' }] })));
  });

  it.each([
    ['temperature', { temperature: 0.5 }],
    ['seed', { seed: 7 }],
    ['top_p', { top_p: 0.9 }],
    ['top_k', { top_k: 5 }],
    ['min_p', { min_p: 0.1 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '42': -100 } }],
    ['max_tokens', { max_tokens: 16 }],
    ['max_completion_tokens', { max_completion_tokens: 16 }],
    ['stop', { stop: ['\n'] }],
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { logprobs: true, top_logprobs: 2 }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }],
    ['tool_choice', { tool_choice: 'none' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['system prompt', { messages: [{ role: 'system', content: 'You are verbose.' }, { role: 'user', content: 'Say hello.' }] }],
    ['model', { model: 'other' }],
    ['an unknown field', { mirostat: 2 }],
  ])('a different %s gives a different key', (_name, change) => {
    expect(exactKey(chatRequest(change))).not.toBe(exactKey(chatRequest()));
  });

  it('a different route gives a different key', () => {
    expect(exactKey(chatRequest({}, 'a'))).not.toBe(exactKey(chatRequest({}, 'b')));
  });

  it('stream and stream_options only frame the same answer: same key', () => {
    const plain = exactKey(chatRequest());
    expect(exactKey(chatRequest({ stream: true }))).toBe(plain);
    expect(exactKey(chatRequest({ stream: true, stream_options: { include_usage: true } }))).toBe(plain);
    expect(exactKey(chatRequest({ stream: false }))).toBe(plain);
  });

  it('a top-level null is the same as the field being absent', () => {
    expect(exactKey(chatRequest({ seed: null, stop: null }))).toBe(exactKey(chatRequest()));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: [{ d: 1, c: undefined, a: 'x' }], a: null })).toBe('{"a":null,"b":[{"a":"x","d":1}]}');
  });
});

describe('context key', () => {
  const turns = (last: string, system = 'You are terse.', earlier = 'Hi') => ({
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: earlier },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: last },
    ],
  });

  it('is the same when only the last user message differs', () => {
    expect(contextKey(chatRequest(turns('What is the capital of France?')))).toBe(contextKey(chatRequest(turns('Tell me the capital of France.'))));
  });

  it('differs when the system prompt, an earlier turn or a parameter differs', () => {
    const base = contextKey(chatRequest(turns('q')));
    expect(contextKey(chatRequest(turns('q', 'You are verbose.')))).not.toBe(base);
    expect(contextKey(chatRequest(turns('q', 'You are terse.', 'Hey')))).not.toBe(base);
    expect(contextKey(chatRequest({ ...turns('q'), max_tokens: 5 }))).not.toBe(base);
  });

  it('is undefined unless the request ends with a text-only user message', () => {
    expect(contextKey(chatRequest({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }))).toBeUndefined();
    expect(contextKey(chatRequest({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }] }))).toBeUndefined();
    expect(contextKey(chatRequest({ messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] }))).toBe(contextKey(chatRequest({ messages: [{ role: 'user', content: 'q' }] })));
  });
});
