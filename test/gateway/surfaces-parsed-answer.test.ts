/**
 * A chat answer the surfaces parse (surfaces/chat-client.ts) is not parsed
 * again when the gateway reads its usage (usage.ts readUsage) from the same
 * bytes; the usage read is the one a parse of those bytes gives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createInProcessChatClient } from '../../main/gateway/surfaces/chat-client.js';
import { readUsage } from '../../main/gateway/usage.js';

const client = { headers: {}, socket: {} } as unknown as IncomingMessage;

/** A chat client whose handler answers `body` in one write, as the gateway relays a runtime's whole answer. */
function answering(body: Buffer) {
  const chat = createInProcessChatClient();
  chat.connect((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
    res.write(body);
    res.end();
  });
  return chat;
}

describe('parsed chat answers', () => {
  it('the usage of an answer the surfaces parsed is read without parsing its bytes again', async () => {
    const body = Buffer.from(JSON.stringify({ choices: [{ message: { content: 'is' }, finish_reason: 'length' }], usage: { prompt_tokens: 25, completion_tokens: 1, total_tokens: 26 } }));
    const reply = await answering(body).send({ model: 'm', messages: [] }, { client, surface: 'anthropic', clientResponse: new PassThrough() as unknown as ServerResponse });
    expect(reply.kind).toBe('json');
    const parse = vi.spyOn(JSON, 'parse');
    const usage = readUsage(body);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(usage).toEqual({ prompt_tokens: 25, completion_tokens: 1, total_tokens: 26 });
    // The same as reading a copy of the bytes nobody parsed before.
    expect(readUsage(Buffer.from(body))).toEqual(usage);
  });

  it('an answer that is not JSON is read as before (no usage)', async () => {
    const body = Buffer.from('upstream says no');
    const reply = await answering(body).send({ model: 'm', messages: [] }, { client, surface: 'responses', clientResponse: new PassThrough() as unknown as ServerResponse });
    expect(reply).toMatchObject({ kind: 'json', body: { error: { message: 'upstream says no' } } });
    expect(readUsage(body)).toBeUndefined();
  });
});
