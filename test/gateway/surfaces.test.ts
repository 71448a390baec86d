/**
 * The Responses and Anthropic Messages surfaces, driven by the official SDKs
 * (openai, @anthropic-ai/sdk, and the Vercel AI SDK's openai provider, which
 * speaks the Responses API) against a real engine serving stories260K.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, jsonSchema, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let env: TestEngine;
let anthropic: Anthropic;

beforeAll(async () => {
  env = await startTestEngine();
  anthropic = new Anthropic({ baseURL: env.origin, apiKey: 'homeport-test', maxRetries: 0 });
});

afterAll(async () => {
  await env?.engine.stop();
});

/** Greedy decoding for repeatable answers; this SDK version's types leave sampling parameters out, the API takes them. */
function greedy<T extends object>(params: T): T {
  return { ...params, temperature: 0 } as T;
}

const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string', maxLength: 20 } },
    required: ['city'],
    additionalProperties: false,
  },
};

describe('Anthropic Messages API', () => {
  it('messages.create answers with a message, stop reason and usage', async () => {
    const message = await anthropic.messages.create(greedy({
      model: env.modelId,
      max_tokens: 12,
      system: 'You tell stories.',
      messages: [{ role: 'user', content: 'Once upon a time' }]}));
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.id).toMatch(/^msg_/);
    expect(message.model).toBe(env.modelId);
    expect(message.content[0]?.type).toBe('text');
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(12);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('messages.stream streams text deltas that add up to the final message', async () => {
    const stream = anthropic.messages.stream(greedy({ model: env.modelId, max_tokens: 16, messages: [{ role: 'user', content: 'Tell me about a dog' }]}));
    const events: string[] = [];
    let text = '';
    stream.on('streamEvent', (event) => events.push(event.type));
    stream.on('text', (delta) => (text += delta));
    const final = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events).toContain('content_block_start');
    expect(events).toContain('content_block_delta');
    expect(events.at(-2)).toBe('message_delta');
    expect(events.at(-1)).toBe('message_stop');
    expect(final.content[0]).toMatchObject({ type: 'text', text });
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(16);
  });

  it('reports the stop sequence that ended the answer', async () => {
    const free = await anthropic.messages.create(greedy({ model: env.modelId, max_tokens: 40, messages: [{ role: 'user', content: 'Once upon a time' }]}));
    const text = free.content[0]?.type === 'text' ? free.content[0].text : '';
    const word = text.trim().split(/\s+/)[3];
    expect(word).toBeTruthy();
    const stopped = await anthropic.messages.create(greedy({ model: env.modelId, max_tokens: 40, stop_sequences: [word!], messages: [{ role: 'user', content: 'Once upon a time' }]}));
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe(word);
  });

  it('does a tool-use round trip: tool_use with parsed input, then tool_result fed back', async () => {
    const first = await anthropic.messages.create(greedy({
      model: env.modelId,
      max_tokens: 80,
      tools: [weather],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Weather in Paris?' }]}));
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((block) => block.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(use.name).toBe('get_weather');
    expect(typeof (use.input as { city: unknown }).city).toBe('string');

    const second = await anthropic.messages.create(greedy({
      model: env.modelId,
      max_tokens: 8,
      tools: [weather],
      tool_choice: { type: 'none' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'Sunny, 21 C' }] },
      ]}));
    expect(second.content.every((block) => block.type === 'text')).toBe(true);
  });

  it('streams a tool call as input_json_delta events', async () => {
    const stream = anthropic.messages.stream(greedy({ model: env.modelId, max_tokens: 80, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Weather?' }]}));
    let partial = '';
    stream.on('inputJson', (delta) => (partial += delta));
    const final = await stream.finalMessage();
    const use = final.content.find((block) => block.type === 'tool_use');
    if (use?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(JSON.parse(partial)).toEqual(use.input);
    expect(final.stop_reason).toBe('tool_use');
  });

  it('countTokens counts the prompt as the model reads it', async () => {
    const short = await anthropic.messages.countTokens({ model: env.modelId, messages: [{ role: 'user', content: 'Hi' }] });
    const long = await anthropic.messages.countTokens({ model: env.modelId, messages: [{ role: 'user', content: 'Hi there, tell me a long story about a dog and a cat' }] });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens);
  });

  it.each([
    ['missing max_tokens', { model: 'M', messages: [{ role: 'user', content: 'x' }] }, 400, 'invalid_request_error', /max_tokens/],
    ['a bad role', { model: 'M', max_tokens: 2, messages: [{ role: 'robot', content: 'x' }] }, 400, 'invalid_request_error', /role/],
    ['an unknown model', { model: 'no-such-model', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] }, 404, 'not_found_error', /no-such-model/],
  ])('answers %s in Anthropic error shape', async (_name, body, status, type, message) => {
    const payload = JSON.stringify({ ...body, model: body.model === 'M' ? env.modelId : body.model });
    const res = await fetch(`${env.origin}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: payload });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(json.type).toBe('error');
    expect(json.error.type).toBe(type);
    expect(json.error.message).toMatch(message);
  });
});

it('answers a wrong method on /v1/messages with a 405 in Anthropic shape', async () => {
  const res = await fetch(`${env.origin}/v1/messages`);
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('POST');
  expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
});

describe('OpenAI Responses API', () => {
  it('responses.create answers with output text and usage, and continues with previous_response_id', async () => {
    const first = await env.client.responses.create({ model: env.modelId, input: 'Once upon a time', instructions: 'Tell a story.', max_output_tokens: 10, temperature: 0 });
    expect(first.id).toMatch(/^resp_/);
    expect(first.object).toBe('response');
    expect(first.status).toBe('incomplete');
    expect(first.incomplete_details?.reason).toBe('max_output_tokens');
    expect(first.output_text.length).toBeGreaterThan(0);
    expect(first.usage?.output_tokens).toBe(10);

    const fetched = await env.client.responses.retrieve(first.id);
    expect(fetched.id).toBe(first.id);
    expect(fetched.output_text).toBe(first.output_text);

    const second = await env.client.responses.create({ model: env.modelId, input: 'And then?', previous_response_id: first.id, max_output_tokens: 5, temperature: 0 });
    expect(second.previous_response_id).toBe(first.id);
    // The stored conversation (first input + its answer) is part of the second prompt.
    expect(second.usage!.input_tokens).toBeGreaterThan(first.usage!.input_tokens);

    await env.client.responses.delete(first.id);
    await expect(env.client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  });

  it('store: false keeps nothing', async () => {
    const response = await env.client.responses.create({ model: env.modelId, input: 'Hi', store: false, max_output_tokens: 3, temperature: 0 });
    await expect(env.client.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
    await expect(env.client.responses.create({ model: env.modelId, input: 'x', previous_response_id: response.id, max_output_tokens: 2 })).rejects.toMatchObject({ status: 404, param: 'previous_response_id', code: 'not_found' });
  });

  it('responses.stream sends events in OpenAI order and a final response equal to the deltas', async () => {
    const stream = env.client.responses.stream({ model: env.modelId, input: 'Once upon a time', max_output_tokens: 12, temperature: 0 });
    const types: string[] = [];
    let text = '';
    let lastSequence = -1;
    for await (const event of stream) {
      types.push(event.type);
      expect(event.sequence_number).toBe(lastSequence + 1);
      lastSequence = event.sequence_number;
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    const final = await stream.finalResponse();
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.incomplete']);
    expect(final.output_text).toBe(text);
  });

  it('function tools: a call item with arguments that parse, streamed with argument deltas, and the output fed back', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: weather.input_schema, strict: true }];
    const first = await env.client.responses.create({ model: env.modelId, input: 'Weather in Paris?', tools, tool_choice: 'required', max_output_tokens: 80, temperature: 0 });
    const call = first.output.find((item) => item.type === 'function_call');
    if (call?.type !== 'function_call') throw new Error('no function_call item');
    expect(call.name).toBe('get_weather');
    expect(typeof (JSON.parse(call.arguments) as { city: unknown }).city).toBe('string');

    const stream = env.client.responses.stream({ model: env.modelId, input: 'Weather in Rome?', tools, tool_choice: 'required', max_output_tokens: 80, temperature: 0 });
    let deltas = '';
    for await (const event of stream) if (event.type === 'response.function_call_arguments.delta') deltas += event.delta;
    const streamed = (await stream.finalResponse()).output.find((item) => item.type === 'function_call');
    if (streamed?.type !== 'function_call') throw new Error('no streamed function_call item');
    expect(deltas).toBe(streamed.arguments);

    const next = await env.client.responses.create({
      model: env.modelId,
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp": 21}' }],
      tools,
      tool_choice: 'none',
      max_output_tokens: 5,
      temperature: 0,
    });
    expect(next.output.every((item) => item.type === 'message')).toBe(true);
  });

  it('the Vercel AI SDK openai provider (Responses API) generates and streams text and calls tools', async () => {
    const provider = createOpenAI({ baseURL: `${env.origin}/v1`, apiKey: 'homeport-test' });
    const model = provider(env.modelId);
    const generated = await generateText({ model, prompt: 'Once upon a time', maxOutputTokens: 8, temperature: 0 });
    expect(generated.text.length).toBeGreaterThan(0);
    expect(generated.usage.outputTokens).toBe(8);

    const streamed = streamText({ model, prompt: 'Once upon a time', maxOutputTokens: 8, temperature: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(generated.text);

    const called = await generateText({
      model,
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ description: 'Weather for a city', inputSchema: jsonSchema<{ city: string }>({ ...weather.input_schema, properties: { city: { type: 'string', maxLength: 20 } } }) }) },
      toolChoice: 'required',
      maxOutputTokens: 80,
      temperature: 0,
    });
    expect(called.toolCalls[0]?.toolName).toBe('get_weather');
    expect(typeof (called.toolCalls[0]?.input as { city: unknown }).city).toBe('string');
  });

  it('answers a bad request in OpenAI error shape', async () => {
    const res = await fetch(`${env.origin}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: env.modelId }) });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { param: string; type: string } };
    expect(json.error).toMatchObject({ param: 'input', type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'input'." });
    // A value of the wrong type names the shapes `input` takes, not zod's bare "Invalid input".
    const wrong = await fetch(`${env.origin}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: env.modelId, input: 5 }) });
    expect(wrong.status).toBe(400);
    const wrongJson = (await wrong.json()) as { error: { param: string; message: string; code: string } };
    expect(wrongJson.error).toMatchObject({ param: 'input', code: 'invalid_value' });
    expect(wrongJson.error.message).toMatch(/^Invalid value for 'input': expected string or array, received number\.$/);
  });
});
