/**
 * The surfaces' quick checks (quick-accept.ts) accept only what the zod
 * schemas accept, and what they accept translates exactly as the schema's
 * parse of it does; everything else is left to the schema (undefined).
 * Also: a prepared body (body.ts PREPARED_BODY) is taken as it is, under the
 * same size limit.
 */
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PREPARED_BODY, readJsonBody } from '../../main/gateway/body.js';
import { GatewayError } from '../../main/gateway/errors.js';
import { quickAcceptCountTokens, quickAcceptMessages } from '../../main/gateway/surfaces/anthropic/quick-accept.js';
import { countTokensRequestSchema, messagesRequestSchema, toChatBody as anthropicToChat, toChatConversation } from '../../main/gateway/surfaces/anthropic/to-chat.js';
import { quickAcceptResponses } from '../../main/gateway/surfaces/responses/quick-accept.js';
import { inputToChatMessages, responsesRequestSchema, toChatBody as responsesToChat } from '../../main/gateway/surfaces/responses/to-chat.js';

const user = { role: 'user', content: 'Once upon a time' };
const tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

/** Bodies the quick checks must accept (the common shapes). */
const messagesAccepted: Record<string, unknown>[] = [
  { model: 'm', max_tokens: 1, messages: [user] },
  { model: 'm', max_tokens: 16, temperature: 0, top_p: 1, top_k: 0, stream: true, system: 'Be brief.', messages: [user, { role: 'assistant', content: 'Hi' }, user] },
  { model: 'm', max_tokens: 8, system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }] }] },
  { model: 'm', max_tokens: 8, stop_sequences: ['The end'], metadata: { user_id: 'u1' }, tools: [tool], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [user] },
  { model: 'm', max_tokens: 8, tools: [{ ...tool, type: 'custom' }], tool_choice: { type: 'any', disable_parallel_tool_use: true }, metadata: { user_id: null }, extra_field: 1, messages: [user] },
];

/** Bodies the quick checks must leave to the schema (valid but uncommon, or invalid). */
const messagesLeft: unknown[] = [
  null,
  [],
  { model: 'm', messages: [user] },
  { model: '', max_tokens: 1, messages: [user] },
  { model: 'm', max_tokens: 0, messages: [user] },
  { model: 'm', max_tokens: 1.5, messages: [user] },
  { model: 'm', max_tokens: 2 ** 60, messages: [user] },
  { model: 'm', max_tokens: 1, messages: [] },
  { model: 'm', max_tokens: 1, messages: [{ role: 'robot', content: 'x' }] },
  { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://x' } }] }] },
  { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }] }] },
  { model: 'm', max_tokens: 1, temperature: 1.5, messages: [user] },
  { model: 'm', max_tokens: 1, top_k: -1, messages: [user] },
  { model: 'm', max_tokens: 1, stream: 'yes', messages: [user] },
  { model: 'm', max_tokens: 1, stop_sequences: [''], messages: [user] },
  { model: 'm', max_tokens: 1, tools: [{ ...tool, name: 'bad name' }], messages: [user] },
  { model: 'm', max_tokens: 1, tools: null, messages: [user] },
  { model: 'm', max_tokens: 1, tool_choice: { type: 'tool' }, messages: [user] },
  { model: 'm', max_tokens: 1, metadata: { user_id: 3 }, messages: [user] },
  { model: 'm', max_tokens: 1, system: 5, messages: [user] },
];

const responsesAccepted: Record<string, unknown>[] = [
  { model: 'm', input: 'Once upon a time', max_output_tokens: 1, temperature: 0, store: false },
  { model: 'm', input: [{ role: 'user', content: 'Hi' }, { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] }], instructions: 'Be brief.', stream: true, top_p: 1 },
  { model: 'm', input: 'x', tools: [{ type: 'function', name: 'f', description: null, parameters: { type: 'object', properties: {} }, strict: true }], tool_choice: 'required', parallel_tool_calls: false },
  { model: 'm', input: 'x', tool_choice: { type: 'function', name: 'f' }, text: { format: { type: 'json_object' } }, metadata: { a: 'b' }, user: 'u', previous_response_id: null, extra: [1] },
];

const responsesLeft: unknown[] = [
  { model: 'm' },
  { model: 'm', input: 5 },
  { model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: 'r' }] },
  { model: 'm', input: [{ role: 'robot', content: 'x' }] },
  { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'http://x' }] }] },
  { model: 'm', input: 'x', temperature: 3 },
  { model: 'm', input: 'x', max_output_tokens: 0 },
  { model: 'm', input: 'x', tools: [{ type: 'web_search' }] },
  { model: 'm', input: 'x', tool_choice: 'sometimes' },
  { model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n', schema: {} } } },
  { model: 'm', input: 'x', metadata: { a: 1 } },
  { model: 'm', input: 'x', store: 'no' },
];

describe('Anthropic quick checks', () => {
  it.each(messagesAccepted.map((body, i) => [i, body]))('accepts common body %i, and translates it as the schema parse does', (_i, body) => {
    const quick = quickAcceptMessages(body);
    expect(quick).toBe(body);
    const parsed = messagesRequestSchema.parse(body);
    expect(anthropicToChat(quick!)).toEqual(anthropicToChat(parsed));
    const count = quickAcceptCountTokens(body);
    expect(count).toBe(body);
    expect(toChatConversation(count!)).toEqual(toChatConversation(countTokensRequestSchema.parse(body)));
  });

  it.each(messagesLeft.map((body, i) => [i, body]))('leaves body %i to the schema', (_i, body) => {
    expect(quickAcceptMessages(body)).toBeUndefined();
  });

  it('never accepts what the schema refuses', () => {
    for (const body of [...messagesAccepted, ...messagesLeft]) {
      if (quickAcceptMessages(body) !== undefined) expect(messagesRequestSchema.safeParse(body).success).toBe(true);
      if (quickAcceptCountTokens(body) !== undefined) expect(countTokensRequestSchema.safeParse(body).success).toBe(true);
    }
  });
});

describe('Responses quick checks', () => {
  it.each(responsesAccepted.map((body, i) => [i, body]))('accepts common body %i, and translates it as the schema parse does', (_i, body) => {
    const quick = quickAcceptResponses(body);
    expect(quick).toBe(body);
    const parsed = responsesRequestSchema.parse(body);
    expect(responsesToChat(quick!, inputToChatMessages(quick!.input))).toEqual(responsesToChat(parsed, inputToChatMessages(parsed.input)));
  });

  it.each(responsesLeft.map((body, i) => [i, body]))('leaves body %i to the schema', (_i, body) => {
    expect(quickAcceptResponses(body)).toBeUndefined();
  });

  it('never accepts what the schema refuses', () => {
    for (const body of [...responsesAccepted, ...responsesLeft]) {
      if (quickAcceptResponses(body) !== undefined) expect(responsesRequestSchema.safeParse(body).success).toBe(true);
    }
  });
});

describe('a prepared body', () => {
  const json = { model: 'm', messages: [user] };
  const raw = Buffer.from(JSON.stringify(json));
  /** A request whose stream would fail if read: the prepared body must be taken without reading it. */
  function prepared(): IncomingMessage {
    const req = new Readable({
      read() {
        this.destroy(new Error('the body stream was read'));
      },
    }) as unknown as IncomingMessage & Record<symbol, unknown>;
    Object.assign(req, { headers: { 'content-type': 'application/json', 'content-length': String(raw.length) } });
    req[PREPARED_BODY] = { json, raw };
    return req;
  }

  it('is taken as it is, without reading the stream', async () => {
    const body = await readJsonBody(prepared(), { limitBytes: 1024 });
    expect(body.json).toBe(json);
    expect(body.raw).toBe(raw);
  });

  it('over the limit is a 413 like any other body', async () => {
    const error = await readJsonBody(prepared(), { limitBytes: raw.length - 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(413);
  });
});
