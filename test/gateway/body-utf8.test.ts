import { describe, expect, it } from 'vitest';
import { call, useGatewayOverUpstream } from './harness.js';

/**
 * A JSON body must be valid UTF-8: bytes that do not decode are a 400
 * `invalid_json`, never silently replaced by U+FFFD and forwarded.
 */
const env = useGatewayOverUpstream({ bodyLimitBytes: 64 * 1024, readyDeadlineMs: 200 });

const body = (content: Buffer) =>
  Buffer.concat([Buffer.from('{"model":"m","messages":[{"role":"user","content":"'), content, Buffer.from('"}]}')]);

describe('strict UTF-8 request bodies', () => {
  it.each([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['0xFF', Buffer.from([0xff, 0xfe])],
    ['a truncated 3-byte sequence', Buffer.from([0xe2, 0x82])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['an encoded UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80])],
  ])('%s: 400 invalid_json, nothing forwarded', async (_name, bytes) => {
    const before = env.upstream.requests.length;
    const result = await call(env.gateway.port, { path: '/v1/chat/completions', body: body(bytes) });
    expect(result.status).toBe(400);
    const error = (result.json as { error: { code: string; type: string; message: string } }).error;
    expect(error.code).toBe('invalid_json');
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toMatch(/UTF-8/);
    expect(env.upstream.requests.length).toBe(before);
  });

  it('a byte-order mark is not taken away silently: the body is refused as malformed JSON', async () => {
    const result = await call(env.gateway.port, { path: '/v1/chat/completions', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body(Buffer.from('hi'))]) });
    expect(result.status).toBe(400);
    expect((result.json as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('valid multi-byte UTF-8 is forwarded byte for byte', async () => {
    const text = Buffer.from('héllo — 日本語 🚀', 'utf8');
    const sent = body(text);
    const result = await call(env.gateway.port, { path: '/v1/chat/completions', body: sent });
    expect(result.status).toBe(200);
    expect(env.upstream.requests.at(-1)!.body.equals(sent)).toBe(true);
  });
});
