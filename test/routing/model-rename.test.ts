import { describe, expect, it } from 'vitest';
import { renameModel } from '../../main/routing/model-rename.js';

function rename(text: string, to: string): string {
  return renameModel(Buffer.from(text), JSON.parse(text) as Record<string, unknown>, to).toString('utf8');
}

describe('renameModel', () => {
  it('swaps the top-level model in place, keeping every other byte (first key, last key, spaces, a nested "model" key, "model" inside text)', () => {
    const cases: Array<[string, string]> = [
      ['{"model":"chat","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}', '{"model":"qwen2.5:7b","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}'],
      ['{ "messages": [ { "role": "user", "content": "say \\"model\\": \\"chat\\"" } ],\n  "model" :  "chat" }', '{ "messages": [ { "role": "user", "content": "say \\"model\\": \\"chat\\"" } ],\n  "model" :  "qwen2.5:7b" }'],
      [
        '{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"model":{"type":"string","default":"chat"}}}}}],"model":"chat"}',
        '{"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"model":{"type":"string","default":"chat"}}}}}],"model":"qwen2.5:7b"}',
      ],
      ['{"messages":[{"role":"user","content":"a \\\\"}],"model":"chat","stop":["\\"model\\":\\"chat\\""]}', '{"messages":[{"role":"user","content":"a \\\\"}],"model":"qwen2.5:7b","stop":["\\"model\\":\\"chat\\""]}'],
      ['{"model":"chät ü","messages":[]}', '{"model":"qwen2.5:7b","messages":[]}'],
    ];
    for (const [text, expected] of cases) {
      const out = rename(text, 'qwen2.5:7b');
      expect(out).toBe(expected);
      expect(JSON.parse(out)).toEqual({ ...(JSON.parse(text) as object), model: 'qwen2.5:7b' });
    }
  });

  it('the nested pair is left alone even when it comes first', () => {
    const text = '{"tools":[{"function":{"parameters":{"model":"chat"}}}],"model":"chat"}';
    expect(rename(text, 'x')).toBe('{"tools":[{"function":{"parameters":{"model":"chat"}}}],"model":"x"}');
  });

  it('falls back to re-serializing when the bytes do not say it plainly: escaped name, duplicate key, escaped key', () => {
    for (const text of ['{"model":"ch\\u0061t","messages":[]}', '{"model":"old","model":"chat"}', '{"mod\\u0065l":"chat","tools":[{"model":"chat"}]}']) {
      const out = rename(text, 'x');
      expect(JSON.parse(out)).toEqual({ ...(JSON.parse(text) as object), model: 'x' });
    }
  });
});
