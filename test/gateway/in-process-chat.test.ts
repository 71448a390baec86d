/**
 * The surfaces' in-process chat client (surfaces/chat-client.ts) against
 * scripted chat handlers that use the response the way the gateway's chat
 * handler, proxy and stream relay do: headers, writeHead, flushHeaders, write
 * with backpressure, end, 'close' / writableFinished for a client leaving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createInProcessChatClient, type ChatStreamItem } from '../../main/gateway/surfaces/chat-client.js';
import { readJsonBody } from '../../main/gateway/body.js';

/** A client request as the surfaces see it after the guards. */
function clientRequest(headers: Record<string, string> = {}): IncomingMessage {
  return { headers: { 'user-agent': 'test-agent', authorization: 'Bearer secret-key', ...headers }, socket: {} } as unknown as IncomingMessage;
}

/** The surface's own response: destroying it is its client going away. */
function surfaceResponse(): ServerResponse & PassThrough {
  return new PassThrough() as unknown as ServerResponse & PassThrough;
}

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe('in-process chat client', () => {
  it('hands the handler the body and headers, and returns its JSON answer with the x-homeport headers', async () => {
    const client = createInProcessChatClient();
    let seen: { url?: string; method?: string; headers?: IncomingMessage['headers']; body?: unknown } = {};
    client.connect((req, res) => {
      void readJsonBody(req, { limitBytes: 1 << 20 }).then(({ json }) => {
        seen = { url: req.url, method: req.method, headers: req.headers, body: json };
        res.setHeader('x-homeport-request-id', 'req_1');
        res.setHeader('x-other', 'kept-inside');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 3 } }));
      });
    });
    const reply = await client.send({ model: 'm', messages: [] }, { client: clientRequest({ 'x-homeport-app': 'notes-app' }), surface: 'anthropic', clientResponse: surfaceResponse() });
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.method).toBe('POST');
    expect(seen.body).toEqual({ model: 'm', messages: [] });
    expect(seen.headers).toMatchObject({ 'user-agent': 'test-agent', 'x-homeport-app': 'notes-app', 'x-homeport-surface': 'anthropic' });
    // The guards already checked the key; it does not travel further.
    expect(seen.headers?.authorization).toBeUndefined();
    expect(reply).toMatchObject({ kind: 'json', status: 200, headers: { 'x-homeport-request-id': 'req_1' }, body: { usage: { prompt_tokens: 3 } } });
    expect(reply.headers['x-other']).toBeUndefined();
  });

  it('returns an error answer with its status, and a broken-off body as a server error', async () => {
    const client = createInProcessChatClient();
    client.connect((_req, res) => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ error: { message: 'no such model', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }));
    });
    const reply = await client.send({ model: 'x' }, { client: clientRequest(), surface: 'responses', clientResponse: surfaceResponse() });
    expect(reply).toMatchObject({ kind: 'json', status: 404, body: { error: { code: 'model_not_found' } } });

    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"choi');
      res.destroy();
    });
    const broken = await client.send({ model: 'x' }, { client: clientRequest(), surface: 'responses', clientResponse: surfaceResponse() });
    expect(broken).toMatchObject({ kind: 'json', status: 200, body: { error: { type: 'server_error' } } });
  });

  it('streams chunks split anywhere, ends at [DONE], and passes an error event on', async () => {
    const client = createInProcessChatClient();
    const bytes = `${chunk('Once')}${chunk(' upon')}: a comment\n\ndata: [DONE]\n\n`;
    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      res.flushHeaders();
      // Split in odd places, as TCP would.
      for (let i = 0; i < bytes.length; i += 7) res.write(bytes.slice(i, i + 7));
      res.end();
    });
    const reply = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'anthropic', clientResponse: surfaceResponse() });
    expect(reply.kind).toBe('stream');
    const items: ChatStreamItem[] = [];
    if (reply.kind === 'stream') for await (const item of reply.chunks) items.push(item);
    expect(items.map((i) => (i.kind === 'chunk' ? (i.chunk.choices as { delta: { content: string } }[])[0]!.delta.content : 'error'))).toEqual(['Once', ' upon']);

    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(chunk('a'));
      res.end(`data: ${JSON.stringify({ error: { message: 'runtime stopped', type: 'server_error', code: 'runtime_disconnected' } })}\n\n`);
    });
    const failing = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'anthropic', clientResponse: surfaceResponse() });
    const seen: ChatStreamItem[] = [];
    if (failing.kind === 'stream') for await (const item of failing.chunks) seen.push(item);
    expect(seen.at(-1)).toEqual({ kind: 'error', error: { message: 'runtime stopped', type: 'server_error', code: 'runtime_disconnected' } });
  });

  it('a stream cut without [DONE] ends with an incomplete-stream error', async () => {
    const client = createInProcessChatClient();
    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(chunk('a'));
    });
    const reply = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'responses', clientResponse: surfaceResponse() });
    const items: ChatStreamItem[] = [];
    if (reply.kind === 'stream') for await (const item of reply.chunks) items.push(item);
    expect(items.at(-1)).toMatchObject({ kind: 'error', error: { code: 'stream_incomplete' } });
  });

  /** A handler that streams until the client leaves, as the proxy does, and reports how it ended. */
  function endlessStream(): { handler: (req: IncomingMessage, res: ServerResponse) => void; ended: Promise<{ finished: boolean; written: number }> } {
    let report!: (value: { finished: boolean; written: number }) => void;
    const ended = new Promise<{ finished: boolean; written: number }>((resolve) => (report = resolve));
    return {
      ended,
      handler(_req, res) {
        let written = 0;
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const timer = setInterval(() => {
          written++;
          res.write(chunk(`t${written}`));
        }, 2);
        res.on('close', () => {
          clearInterval(timer);
          report({ finished: res.writableFinished, written });
        });
      },
    };
  }

  it('the surface client leaving mid-stream closes the chat response unfinished (the handler cancels upstream)', async () => {
    const client = createInProcessChatClient();
    const stream = endlessStream();
    client.connect(stream.handler);
    const gone = surfaceResponse();
    const reply = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'anthropic', clientResponse: gone });
    let got = 0;
    if (reply.kind === 'stream') {
      for await (const item of reply.chunks) {
        expect(item.kind).toBe('chunk');
        if (++got === 3) gone.destroy();
      }
    }
    const end = await stream.ended;
    expect(end.finished).toBe(false);
    expect(got).toBeGreaterThanOrEqual(3);
  });

  it('a reader that stops early also cancels; a reader that got [DONE] does not', async () => {
    const client = createInProcessChatClient();
    const stream = endlessStream();
    client.connect(stream.handler);
    const reply = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'responses', clientResponse: surfaceResponse() });
    if (reply.kind === 'stream') for await (const _item of reply.chunks) break;
    expect((await stream.ended).finished).toBe(false);

    let closedFinished: boolean | undefined;
    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(`${chunk('a')}data: [DONE]\n\n`);
      res.on('close', () => (closedFinished = res.writableFinished));
      // The upstream's end comes a moment after [DONE], as from a real runtime.
      setTimeout(() => res.end(), 20);
    });
    const done = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'responses', clientResponse: surfaceResponse() });
    if (done.kind === 'stream') for await (const _item of done.chunks) void _item;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(closedFinished).toBe(true);
  });

  it('applies backpressure: write() returns false while the reader is behind, and drains as it reads', async () => {
    const client = createInProcessChatClient();
    let sawFull = false;
    let drained = false;
    client.connect((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const big = chunk('x'.repeat(4096));
      for (let i = 0; i < 200 && !sawFull; i++) if (!res.write(big)) sawFull = true;
      res.once('drain', () => {
        drained = true;
        res.end('data: [DONE]\n\n');
      });
    });
    const reply = await client.send({ model: 'm', stream: true }, { client: clientRequest(), surface: 'anthropic', clientResponse: surfaceResponse() });
    expect(sawFull).toBe(true);
    if (reply.kind === 'stream') for await (const _item of reply.chunks) void _item;
    expect(drained).toBe(true);
  });

  it('refuses to send before a gateway connected it, and for a client already gone', async () => {
    const client = createInProcessChatClient();
    await expect(client.send({}, { client: clientRequest(), surface: 'x', clientResponse: surfaceResponse() })).rejects.toThrow(/not connected/);
    client.connect(() => undefined);
    const gone = surfaceResponse();
    gone.destroy();
    await expect(client.send({}, { client: clientRequest(), surface: 'x', clientResponse: gone })).rejects.toThrow(/went away/);
  });
});
