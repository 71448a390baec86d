import { describe, expect, it } from 'vitest';
import { SseDataSplitter, StreamTally, endsWithDone, parseEvent, readEvent, runtimeDisconnectedEvent } from '../../main/gateway/sse.js';
import { RecordingMetrics } from './harness.js';

function tally(): { tally: StreamTally; events: () => unknown[] } {
  const metrics = new RecordingMetrics();
  const meter = metrics.begin({ modelId: 'm', runtimeId: 'r', endpoint: 'chat.completions', stream: true });
  return { tally: new StreamTally(meter), events: () => metrics.meters[0]?.events ?? [] };
}

const delta = (content: string): string => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}]}\n\n`;

describe('StreamTally', () => {
  it('counts content chunks even when events are split across network chunks and characters are multi-byte', () => {
    const { tally: t, events } = tally();
    const bytes = Buffer.from(
      'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n' + delta('é') + delta('日本') + delta('') + 'data: [DONE]\n\n',
    );
    // Feed one byte at a time: the worst case for a parser.
    for (let i = 0; i < bytes.length; i++) t.push(bytes.subarray(i, i + 1));
    expect(events()).toEqual([{ type: 'firstToken' }, { type: 'tokens', n: 1 }, { type: 'tokens', n: 1 }]);
    expect(t.sawDone).toBe(true);
    expect(t.atEventBoundary).toBe(true);
  });

  it('counts completion text, reasoning and tool calls, and keeps the usage chunk', () => {
    const { tally: t, events } = tally();
    t.push(Buffer.from('data: {"choices":[{"text":"Once"}]}\r\n\r\n'));
    t.push(Buffer.from('data: {"choices":[{"delta":{"reasoning_content":"hm"}}]}\n\n'));
    t.push(Buffer.from('data: {"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}\n\n'));
    t.push(Buffer.from(': ping\n\n'));
    t.push(Buffer.from('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}\n\n'));
    expect(events().filter((e) => (e as { type: string }).type === 'tokens')).toHaveLength(3);
    expect(t.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    expect(t.sawDone).toBe(false);
  });

  it('notices an in-stream error event and a stream cut between events', () => {
    const { tally: t } = tally();
    t.push(Buffer.from('data: {"error":{"message":"context exceeded","code":400}}\n\ndata: {"cho'));
    expect(t.upstreamError).toBe('context exceeded');
    expect(t.atEventBoundary).toBe(false);
  });

  it('formats the disconnect event in the OpenAI error shape', () => {
    const event = runtimeDisconnectedEvent('rt-9', 'socket hang up');
    expect(event.endsWith('\n\n')).toBe(true);
    expect(JSON.parse(event.slice('data: '.length))).toEqual({
      error: {
        message: expect.stringMatching(/^The runtime rt-9 stopped while streaming: socket hang up/),
        type: 'server_error',
        param: null,
        code: 'runtime_disconnected',
      },
    });
  });
});

describe('SseDataSplitter', () => {
  const split = (pieces: readonly (string | Buffer)[]): { data: string[]; atBoundary: boolean } => {
    const splitter = new SseDataSplitter();
    const data: string[] = [];
    for (const piece of pieces) splitter.push(typeof piece === 'string' ? Buffer.from(piece) : piece, (d) => data.push(d));
    return { data, atBoundary: splitter.atEventBoundary };
  };

  it('gives the data of each event, joining multi-line data and skipping comments and other fields', () => {
    const { data, atBoundary } = split(['data: {"a":1}\n\n: keep-alive\n\nevent: x\nid: 3\ndata: line one\ndata:line two\n\n\n\ndata: [DONE]\n\n']);
    expect(data).toEqual(['{"a":1}', 'line one\nline two', '[DONE]']);
    expect(atBoundary).toBe(true);
  });

  it('handles CRLF split between chunks, a CR-LF pair split across chunks, and characters split across chunks', () => {
    const bytes = Buffer.from('data: {"t":"日本"}\r\n\r\ndata: b\r\n\r\n');
    const pieces = [bytes.subarray(0, 12), bytes.subarray(12, 25), bytes.subarray(25, 26), bytes.subarray(26)];
    expect(split(pieces).data).toEqual(['{"t":"日本"}', 'b']);
    const crSplit = split(['data: c\r', '\n\r', '\n']);
    expect(crSplit.data).toEqual(['c']);
  });

  it('keeps a half-received event until its end comes, and says it is mid-event meanwhile', () => {
    const half = split(['data: {"a":1}\n\ndata: {"b"']);
    expect(half).toEqual({ data: ['{"a":1}'], atBoundary: false });
    expect(split(['data: {"a":1}\n\ndata: {"b"', ':2}\n\n']).data).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('readEvent', () => {
  const events = [
    '{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}',
    '{"id":"c","choices":[{"index":0,"delta":{"content":" a"},"logprobs":null,"finish_reason":null}]}',
    '{"id":"c","choices":[{"index":0,"delta":{"content":"\\"content\\":\\"x"},"finish_reason":null}]}',
    '{"id":"c","choices":[{"index":0,"delta":{"content":null}}]}',
    '{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}',
    '{"choices":[{"text":"Once","index":0}]}',
    '{"choices":[{"text":"","index":0,"finish_reason":"stop"}]}',
    '{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1,"top_logprobs":[]}]}}]}',
    '{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}',
    '{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":""}}]}',
    '{"choices":[{"delta":{"reasoning_content":"hm"}}]}',
    '{"choices":[{"delta":{"reasoning":"hm","content":"x"}}]}',
    '{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}',
    '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
    '{"choices":[{"index":0,"delta":{"content":"z"}}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
    '{"error":{"message":"context exceeded","code":400}}',
    '{"error":"plain words"}',
    'not json',
    '[DONE]',
  ];

  it('reads every event as a full parse would: tokens, done, usage and error', () => {
    for (const data of events) {
      const fast = readEvent(data);
      const full = parseEvent(data);
      expect({ data, tokens: fast.tokens, done: fast.done, usage: fast.usage, error: fast.error }).toEqual({ data, tokens: full.tokens, done: full.done, usage: full.usage, error: full.error });
    }
  });

  it('parses only what needs parsing: plain token and finish events are read without JSON', () => {
    expect(readEvent(events[1]!).parsed).toBeNull();
    expect(readEvent(events[4]!).parsed).toBeNull();
    expect(readEvent(events[13]!).parsed).toEqual(JSON.parse(events[13]!));
    expect(readEvent(events[15]!).error).toBe('context exceeded');
  });
});

describe('endsWithDone', () => {
  it('is true only for a chunk whose last event is data: [DONE]', () => {
    expect(endsWithDone(Buffer.from('data: {"a":1}\n\ndata: [DONE]\n\n'))).toBe(true);
    expect(endsWithDone(Buffer.from('data: [DONE]\n\n'))).toBe(true);
    expect(endsWithDone(Buffer.from('data: [DONE]\r\n\r\n'))).toBe(false);
    expect(endsWithDone(Buffer.from('data: [DONE]\n'))).toBe(false);
    expect(endsWithDone(Buffer.from('data: {"a":1}\n\n'))).toBe(false);
  });
});
