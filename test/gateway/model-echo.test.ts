import { describe, expect, it } from 'vitest';
import { ModelEcho } from '../../main/gateway/model-echo.js';

const PATH = '/home/me/models/qwen2.5-7b-instruct-q4_k_m.gguf';
const event = (model: string, content: string): string => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content } }] })}\n\n`;

/** Feeds `text` in pieces cut at `cuts` and returns what the client would receive. */
function through(echo: ModelEcho, text: string, cuts: readonly number[]): string {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(echo.push(bytes.subarray(from, cut)));
    from = cut;
  }
  const rest = echo.flush();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString('utf8');
}

describe('ModelEcho', () => {
  it('is not needed when the runtime knows the model by the name asked', () => {
    expect(ModelEcho.between('qwen', 'qwen')).toBeNull();
  });

  it('puts the asked name back in a whole body, leaving everything else byte for byte', () => {
    const echo = ModelEcho.between(PATH, 'llama-server/qwen7b')!;
    const body = `{"choices":[{"message":{"content":"see \\"model\\":\\"x\\""}}],"created":1,"model":${JSON.stringify(PATH)},"object":"chat.completion"}`;
    const out = echo.rewrite(Buffer.from(body)).toString('utf8');
    expect(JSON.parse(out)).toEqual({ ...JSON.parse(body), model: 'llama-server/qwen7b' });
    expect(out.replace('"model":"llama-server/qwen7b"', `"model":${JSON.stringify(PATH)}`)).toBe(body);
  });

  it('rewrites every event of a stream, whatever the chunking, and never holds back a finished event', () => {
    const text = event(PATH, 'Once') + event(PATH, ' upon') + 'data: [DONE]\n\n';
    const expected = event('qwen7b', 'Once') + event('qwen7b', ' upon') + 'data: [DONE]\n\n';
    const bytes = Buffer.byteLength(text);
    // Every single cut point, then every pair of cut points 7 bytes apart (names split in two and three).
    for (let cut = 1; cut < bytes; cut++) {
      expect(through(ModelEcho.between(PATH, 'qwen7b')!, text, [cut])).toBe(expected);
      if (cut + 7 < bytes) expect(through(ModelEcho.between(PATH, 'qwen7b')!, text, [cut, cut + 7])).toBe(expected);
    }
    const echo = ModelEcho.between(PATH, 'qwen7b')!;
    const first = event(PATH, 'Once');
    expect(echo.push(Buffer.from(first)).toString('utf8')).toBe(event('qwen7b', 'Once'));
  });

  it('keeps back only a tail that could still become the name, and gives it back at the end', () => {
    const echo = ModelEcho.between(PATH, 'x')!;
    expect(echo.push(Buffer.from('{"a":1,"mod')).toString('utf8')).toBe('{"a":1,');
    expect(echo.push(Buffer.from('e')).toString('utf8')).toBe('');
    expect(echo.push(Buffer.from('rn":2}')).toString('utf8')).toBe('"modern":2}');
    expect(echo.push(Buffer.from('{"model":"/home')).toString('utf8')).toBe('{');
    expect(echo.flush()?.toString('utf8')).toBe('"model":"/home');
    expect(echo.flush()).toBeUndefined();
  });

  it('matches names with characters JSON escapes (Windows paths, quotes)', () => {
    const windows = 'C:\\models\\q "4".gguf';
    const echo = ModelEcho.between(windows, 'llama-server/q4')!;
    const body = JSON.stringify({ model: windows, object: 'list' });
    expect(JSON.parse(echo.rewrite(Buffer.from(body)).toString('utf8'))).toEqual({ model: 'llama-server/q4', object: 'list' });
  });
});
