/**
 * The surfaces' 400s name what is wrong in words a client can act on: a
 * missing field says it is required, a wrong type names what was expected,
 * a union names every shape it accepts, and a problem inside the shape the
 * client meant points into it — never zod's bare "Invalid input".
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssue } from '../../main/gateway/surfaces/zod-issue.js';
import { messagesRequestSchema } from '../../main/gateway/surfaces/anthropic/to-chat.js';
import { describeZodError } from '../../main/gateway/surfaces/anthropic/errors.js';

const content = z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]);
const schema = z.object({ messages: z.array(z.object({ content })), max_tokens: z.number().int() });

function words(body: unknown): { path: string; text: string } {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected a failure');
  const { path, text } = describeIssue(result.error.issues[0]!);
  return { path: path.map(String).join('.'), text };
}

describe('describeIssue', () => {
  it('a missing field, plain or a union, is "Field required"', () => {
    expect(words({ messages: [{}], max_tokens: 1 })).toEqual({ path: 'messages.0.content', text: 'Field required' });
    expect(words({ messages: [] })).toEqual({ path: 'max_tokens', text: 'Field required' });
  });

  it('a wrong type names what was expected and what came', () => {
    expect(words({ messages: [], max_tokens: 'many' })).toEqual({ path: 'max_tokens', text: 'expected number, received string' });
    expect(words({ messages: [{ content: 5 }], max_tokens: 1 })).toEqual({ path: 'messages.0.content', text: 'expected string or array, received number' });
  });

  it('inside the shape the client meant, the problem is named where it is', () => {
    expect(words({ messages: [{ content: [{ type: 'text' }] }], max_tokens: 1 })).toEqual({ path: 'messages.0.content.0.text', text: 'Field required' });
  });
});

describe('on the surfaces', () => {
  it('Anthropic: a message without content is "messages.0.content: Field required"', () => {
    const result = messagesRequestSchema.safeParse({ model: 'm', max_tokens: 5, messages: [{ role: 'user' }] });
    expect(result.success).toBe(false);
    expect(describeZodError(result.error!)).toBe('messages.0.content: Field required');
  });

  it('Anthropic: max_tokens of the wrong type is not called missing', () => {
    const result = messagesRequestSchema.safeParse({ model: 'm', max_tokens: 'x', messages: [{ role: 'user', content: 'hi' }] });
    expect(result.success).toBe(false);
    expect(describeZodError(result.error!)).toMatch(/^max_tokens: expected (number|int), received string$/);
  });
});
