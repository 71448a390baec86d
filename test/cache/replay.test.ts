import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createParser } from 'eventsource-parser';
import { writeReplay, replayChunks } from '../../main/cache/replay.js';
import { createStreamAssembler } from '../../main/cache/stream-assembler.js';
import type { ChatCompletionJson, ReplayOptions } from '../../main/cache/types.js';
import { completion } from './fixtures.js';

/** The parts of a chunk these tests read. */
interface Chunk {
  id: string;
  usage?: unknown;
  choices: { delta: { content?: string | null; role?: string }; logprobs: { content: { token: string }[] } | null; finish_reason: string | null }[];
}
interface ToolCall {
  id: string;
  function: { name: string; arguments: string };
}

const longText = 'Once upon a time 🌍 there was a little cache that replayed answers. '.repeat(6);
const toolAnswer: ChatCompletionJson = {
  id: 'chatcmpl-x',
  object: 'chat.completion',
  created: 1,
  model: 'upstream-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city: 'Oslo', detail: 'x'.repeat(150) }) } },
          { id: 'call_b', type: 'function', function: { name: 'now', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 },
};

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A tiny server whose every POST replays `answer`, framed as the request asks. */
async function replayServer(answer: ChatCompletionJson): Promise<string> {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (part: Buffer) => (raw += part.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      res.setHeader('x-homeport-cache', 'hit');
      const options: ReplayOptions = { stream: body.stream === true, includeUsage: body.stream_options?.include_usage === true, model: body.model };
      writeReplay(res, answer, options);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1`;
}

/** The events of an SSE body, parsed with eventsource-parser. */
function parseSse(text: string): string[] {
  const data: string[] = [];
  const parser = createParser({ onEvent: (event) => data.push(event.data) });
  parser.feed(text);
  return data;
}

describe('SSE replay', () => {
  it('is a well-formed OpenAI stream: role delta, content deltas, finish chunk, usage chunk when asked, [DONE]', async () => {
    const base = await replayServer(completion(longText));
    const response = await fetch(`${base}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'asked', stream: true, stream_options: { include_usage: true } }) });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-homeport-cache')).toBe('hit');
    const events = parseSse(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Chunk);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    for (const c of chunks) expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'asked' });
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(1);
    expect(contentChunks.map((c) => c.choices[0]!.delta.content).join('')).toBe(longText);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
  });

  it('sends no usage chunk and no usage fields unless asked', async () => {
    const events = parseSse(
      replayChunks(completion('hi'), { stream: true, includeUsage: false, model: 'm' })
        .map((c) => `data: ${JSON.stringify(c)}\n\n`)
        .join(''),
    );
    for (const e of events) expect(JSON.parse(e)).not.toHaveProperty('usage');
    expect(events.length).toBe(3);
  });

  it('the openai SDK reads a streamed replay into the same content as the JSON replay', async () => {
    const base = await replayServer(completion(longText));
    const client = new OpenAI({ baseURL: base, apiKey: 'test', maxRetries: 0 });
    const plain = await client.chat.completions.create({ model: 'asked', messages: [{ role: 'user', content: 'x' }] });
    expect(plain.choices[0]!.message.content).toBe(longText);
    expect(plain.model).toBe('asked');
    expect(plain.usage?.total_tokens).toBe(12);

    const stream = await client.chat.completions.create({ model: 'asked', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const part of stream) {
      text += part.choices[0]?.delta.content ?? '';
      finish = part.choices[0]?.finish_reason ?? finish;
      if (part.usage) usage = part.usage;
    }
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
  });

  it('replays tool calls in the streamed shape, which the SDK stream helper puts back together', async () => {
    const base = await replayServer(toolAnswer);
    const client = new OpenAI({ baseURL: base, apiKey: 'test', maxRetries: 0 });
    const runner = client.chat.completions.stream({ model: 'asked', messages: [{ role: 'user', content: 'weather?' }] });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []));
    const expected = (toolAnswer.choices as { message: { tool_calls: ToolCall[] } }[])[0]!.message.tool_calls.map((c) => [c.id, c.function.name, c.function.arguments]);
    expect(calls).toEqual(expected);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('a replayed stream assembles back into the cached answer', () => {
    for (const answer of [completion(longText), toolAnswer]) {
      const assembler = createStreamAssembler();
      for (const c of replayChunks(answer, { stream: true, includeUsage: true, model: 'upstream-model' })) assembler.push(c);
      const rebuilt = assembler.complete()!;
      expect(rebuilt.choices).toEqual(answer.choices);
      expect(rebuilt.usage).toEqual(answer.usage);
    }
  });

  it('replays per-token logprobs when the tokens spell the content', () => {
    const lp = (token: string) => ({ token, logprob: -0.5, bytes: null, top_logprobs: [] });
    const answer = { ...completion('ab'), choices: [{ index: 0, message: { role: 'assistant', content: 'ab' }, logprobs: { content: [lp('a'), lp('b')], refusal: null }, finish_reason: 'stop' }] };
    const chunks = replayChunks(answer, { stream: true, includeUsage: false, model: 'm' }) as unknown as Chunk[];
    expect(chunks.filter((c) => c.choices[0]!.logprobs).map((c) => [c.choices[0]!.delta.content, c.choices[0]!.logprobs!.content[0]!.token])).toEqual([['a', 'a'], ['b', 'b']]);
    const assembler = createStreamAssembler();
    for (const c of chunks) assembler.push(c as unknown as Record<string, unknown>);
    expect(assembler.complete()!.choices).toEqual(answer.choices);
  });

  it('never cuts a surrogate pair between deltas', () => {
    const text = '🌍'.repeat(200);
    const chunks = replayChunks(completion(text), { stream: true, includeUsage: false, model: 'm' }) as unknown as Chunk[];
    for (const c of chunks) {
      const piece = c.choices[0]!.delta.content;
      if (piece) expect(piece).toBe(Buffer.from(piece, 'utf8').toString('utf8'));
      if (piece) expect(piece.length % 2).toBe(0);
    }
  });
});
