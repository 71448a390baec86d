/**
 * Tools, response_format and logprobs on the real embedded worker (stories260K,
 * a model with no chat template and no notion of tools), driven by the official
 * openai SDK. The grammar is what makes its JSON and tool arguments valid, so
 * every answer here must parse and match its schema.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startWorker, type RunningWorker } from './worker-process.js';

let worker: RunningWorker;
let client: OpenAI;

beforeAll(async () => {
  worker = await startWorker({ parallel: 2, modelId: 'stories' });
  client = new OpenAI({ baseURL: `${worker.baseUrl}/v1`, apiKey: 'unused', defaultHeaders: worker.headers, maxRetries: 0 });
});

afterAll(async () => {
  await worker?.stop();
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', maxLength: 20 }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const timeTool = {
  type: 'function' as const,
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', maxLength: 10 } }, required: ['zone'] } },
};
const ask = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

function expectWeatherArguments(json: string): void {
  const args = JSON.parse(json) as Record<string, unknown>;
  expect(Object.keys(args).sort()).toEqual(['city', 'unit']);
  expect(typeof args.city).toBe('string');
  expect(['celsius', 'fahrenheit']).toContain(args.unit);
}

describe('embedded worker: tools', () => {
  it('returns a well-formed call for tool_choice required, with OpenAI shapes', async () => {
    const completion = await client.chat.completions.create({ model: 'stories', messages: ask, tools: [weatherTool, timeTool], tool_choice: 'required', temperature: 0, max_tokens: 80 });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe('function');
    expect(call.id).toMatch(/^call_/);
    if (call.type !== 'function') throw new Error('not a function call');
    expect(['get_weather', 'get_time']).toContain(call.function.name);
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    if (call.function.name === 'get_weather') expectWeatherArguments(call.function.arguments);
    else expect(typeof args.zone).toBe('string');
  });

  it('calls the named function when tool_choice names it', async () => {
    const completion = await client.chat.completions.create({
      model: 'stories',
      messages: ask,
      tools: [timeTool, weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      temperature: 0.8,
      seed: 7,
      max_tokens: 300,
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    if (call.type !== 'function') throw new Error('not a function call');
    expect(call.function.name).toBe('get_weather');
    expectWeatherArguments(call.function.arguments);
  });

  it('streams a call as a named first delta and argument deltas that join into valid JSON', async () => {
    const stream = await client.chat.completions.create({
      model: 'stories',
      messages: ask,
      tools: [weatherTool],
      tool_choice: 'required',
      temperature: 0,
      max_tokens: 80,
      stream: true,
    });
    let name = '';
    let id = '';
    let args = '';
    let argumentDeltas = 0;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      for (const call of choice.delta.tool_calls ?? []) {
        expect(call.index).toBe(0);
        if (call.id) id = call.id;
        if (call.function?.name) name += call.function.name;
        if (call.function?.arguments) {
          args += call.function.arguments;
          argumentDeltas++;
        }
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    expect(finish).toBe('tool_calls');
    expect(id).toMatch(/^call_/);
    expect(name).toBe('get_weather');
    expect(argumentDeltas).toBeGreaterThan(1);
    expectWeatherArguments(args);
  });

  it('accepts the tool result fed back and answers in text with tool_choice none', async () => {
    const completion = await client.chat.completions.create({
      model: 'stories',
      messages: [
        ...ask,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 21}' },
      ],
      tools: [weatherTool],
      tool_choice: 'none',
      temperature: 0,
      max_tokens: 8,
    });
    const choice = completion.choices[0]!;
    expect(choice.message.tool_calls ?? []).toHaveLength(0);
    expect(typeof choice.message.content).toBe('string');
    expect(choice.finish_reason).toMatch(/^(stop|length)$/);
  });

  it('under auto answers with either a valid call or text, never half of one', async () => {
    for (const seed of [1, 2, 3]) {
      const completion = await client.chat.completions.create({ model: 'stories', messages: ask, tools: [weatherTool], temperature: 1, seed, max_tokens: 300 });
      const choice = completion.choices[0]!;
      if (choice.finish_reason === 'tool_calls') {
        const call = choice.message.tool_calls![0]!;
        if (call.type !== 'function') throw new Error('not a function call');
        expectWeatherArguments(call.function.arguments);
      } else {
        expect(choice.message.content?.trimStart().startsWith('{')).toBe(false);
      }
    }
  });

  it.each([
    ['a tool_choice naming no tool', { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
    ['required with no tools', { tool_choice: 'required' }, 'tool_choice'],
    ['a parameters schema with pattern', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '^a' } } } } }], tool_choice: 'required' }, 'tools[0].function.parameters'],
    ['a tool of another type', { tools: [{ type: 'web_search' }] }, 'tools[0].type'],
  ])('rejects %s with a 400 naming the field', async (_name, extra, param) => {
    const res = await postJson(worker, '/v1/chat/completions', { messages: ask, max_tokens: 4, ...extra });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param });
  });
});

describe('embedded worker: response_format', () => {
  const person = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 16 },
      age: { type: 'integer' },
      pets: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 3 },
      kind: { anyOf: [{ type: 'string', enum: ['human'] }, { type: 'null' }] },
    },
    required: ['name', 'age', 'pets', 'kind'],
    additionalProperties: false,
  };

  it('json_schema with strict returns JSON that validates, stream and not', async () => {
    const response_format = { type: 'json_schema' as const, json_schema: { name: 'person', strict: true, schema: person } };
    const completion = await client.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Describe Lily.' }], response_format, temperature: 0, max_tokens: 120 });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const value = JSON.parse(completion.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['age', 'kind', 'name', 'pets']);
    expect(Number.isInteger(value.age)).toBe(true);
    expect(Array.isArray(value.pets)).toBe(true);
    expect([null, 'human']).toContain(value.kind);

    const stream = await client.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Describe Tom.' }], response_format, temperature: 0.7, seed: 3, max_tokens: 120, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const streamed = JSON.parse(text) as Record<string, unknown>;
    expect(typeof streamed.name).toBe('string');
  });

  it('json_object returns a JSON object', async () => {
    const completion = await client.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' }, temperature: 0, max_tokens: 60 });
    const content = completion.choices[0]!.message.content!;
    if (completion.choices[0]!.finish_reason === 'stop') expect(typeof JSON.parse(content)).toBe('object');
    expect(content.trimStart().startsWith('{')).toBe(true);
  });

  it.each([
    ['minimum', { type: 'object', properties: { a: { type: 'number', minimum: 1 } } }, /minimum/],
    ['allOf', { allOf: [{ type: 'object' }] }, /allOf/],
    ['an email format', { type: 'object', properties: { a: { type: 'string', format: 'email' } } }, /format/],
  ])('rejects a schema with %s, naming the keyword', async (_name, schema, keyword) => {
    const res = await postJson(worker, '/v1/chat/completions', { messages: ask, max_tokens: 4, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe('response_format.json_schema.schema');
    expect(res.json.error.message).toMatch(keyword);
  });
});

describe('embedded worker: logprobs', () => {
  it('reports a logprob per generated token and the top alternatives, in order', async () => {
    const completion = await client.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Once upon a time' }], logprobs: true, top_logprobs: 3, temperature: 0.9, seed: 11, max_tokens: 6 });
    const choice = completion.choices[0]!;
    const content = choice.logprobs!.content!;
    expect(content).toHaveLength(completion.usage!.completion_tokens);
    expect(content.map((entry) => entry.token).join('')).toBe(choice.message.content);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      const tops = entry.top_logprobs.map((top) => top.logprob);
      expect([...tops].sort((a, b) => b - a)).toEqual(tops);
      expect(entry.logprob).toBeLessThanOrEqual(tops[0]! + 1e-9);
      expect(Buffer.from(entry.bytes!).toString('utf8')).toBe(entry.token);
    }
  });

  it('streams logprobs with the content they belong to', async () => {
    const stream = await client.chat.completions.create({ model: 'stories', messages: [{ role: 'user', content: 'Once upon a time' }], logprobs: true, temperature: 0, max_tokens: 6, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let tokens = '';
    let count = 0;
    let usage = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage.completion_tokens;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      for (const entry of choice.logprobs?.content ?? []) {
        tokens += entry.token;
        count++;
      }
    }
    expect(count).toBe(usage);
    expect(tokens).toBe(text);
  });

  it('refuses top_logprobs without logprobs', async () => {
    const res = await postJson(worker, '/v1/chat/completions', { messages: ask, max_tokens: 2, top_logprobs: 2 });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe('top_logprobs');
  });
});
