import { describe, expect, it } from 'vitest';
import { createStreamAssembler } from '../../main/cache/stream-assembler.js';

const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'm', system_fingerprint: 'fp' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0) => ({ ...head, choices: [{ index, delta, logprobs: null, finish_reason: finish }] });

describe('stream assembler', () => {
  it('joins content deltas into one chat.completion with usage', () => {
    const assembler = createStreamAssembler();
    assembler.push(chunk({ role: 'assistant', content: '' }));
    assembler.push(chunk({ content: 'Hel' }));
    assembler.push(chunk({ content: 'lo' }));
    assembler.push(chunk({}, 'stop'));
    assembler.push({ ...head, choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });
    expect(assembler.complete()).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'm',
      system_fingerprint: 'fp',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('answers undefined for a stream that broke before a finish_reason', () => {
    const assembler = createStreamAssembler();
    assembler.push(chunk({ role: 'assistant', content: '' }));
    assembler.push(chunk({ content: 'Hel' }));
    expect(assembler.complete()).toBeUndefined();
  });

  it('answers undefined for an empty stream and for one that carried an error event', () => {
    expect(createStreamAssembler().complete()).toBeUndefined();
    const assembler = createStreamAssembler();
    assembler.push(chunk({ content: 'Hi' }));
    assembler.push({ error: { message: 'upstream died', type: 'server_error' } });
    assembler.push(chunk({}, 'stop'));
    expect(assembler.complete()).toBeUndefined();
  });

  it('needs every choice finished when n > 1', () => {
    const assembler = createStreamAssembler();
    assembler.push(chunk({ role: 'assistant', content: 'a' }, null, 0));
    assembler.push(chunk({ role: 'assistant', content: 'b' }, null, 1));
    assembler.push(chunk({}, 'stop', 0));
    expect(assembler.complete()).toBeUndefined();
    assembler.push(chunk({}, 'length', 1));
    const choices = assembler.complete()!.choices as { index: number; message: { content: string }; finish_reason: string }[];
    expect(choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, 'a', 'stop'], [1, 'b', 'length']]);
  });

  it('rebuilds streamed tool calls, reasoning text and logprobs', () => {
    const assembler = createStreamAssembler();
    assembler.push(chunk({ role: 'assistant', content: null, reasoning_content: 'think' }));
    assembler.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
    assembler.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }));
    assembler.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }));
    assembler.push(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'now', arguments: '{}' } }] }));
    assembler.push(chunk({}, 'tool_calls'));
    const message = (assembler.complete()!.choices as { message: Record<string, unknown> }[])[0]!.message;
    expect(message).toEqual({
      role: 'assistant',
      content: null,
      reasoning_content: 'think',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        { id: 'call_2', type: 'function', function: { name: 'now', arguments: '{}' } },
      ],
    });

    const withLogprobs = createStreamAssembler();
    const lp = (token: string) => ({ token, logprob: -0.1, bytes: null, top_logprobs: [] });
    withLogprobs.push({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'a' }, logprobs: { content: [lp('a')] }, finish_reason: null }] });
    withLogprobs.push({ ...head, choices: [{ index: 0, delta: { content: 'b' }, logprobs: { content: [lp('b')] }, finish_reason: 'stop' }] });
    const choice = (withLogprobs.complete()!.choices as { logprobs: unknown }[])[0]!;
    expect(choice.logprobs).toEqual({ content: [lp('a'), lp('b')], refusal: null });
  });
});
