import { describe, expect, it } from 'vitest';
import { markdownBlocks } from '../../renderer/features/playground/markdown-blocks.js';

const para = (n: number) => `Paragraph ${n} ${'word '.repeat(100)}`.trim();

describe('markdown blocks', () => {
  it('cuts a long answer at blank lines into blocks that hold everything once', () => {
    const text = [para(1), '', para(2), '', para(3)].join('\n');
    const blocks = markdownBlocks(text);
    expect(blocks).toHaveLength(3);
    expect(blocks.join('\n\n')).toBe(text);
  });

  it('never cuts inside a fenced code block, even at a blank line', () => {
    const code = ['```python', 'def f():', '', '    return 1', '', '', 'print(f())', '```'].join('\n');
    const text = [para(1), '', code, '', para(2)].join('\n');
    const blocks = markdownBlocks(text);
    expect(blocks.some((b) => b.includes(code))).toBe(true);
    expect(blocks.join('\n\n')).toBe(text);
  });

  it('keeps short answers in one block', () => {
    expect(markdownBlocks('Hello\n\nWorld')).toEqual(['Hello\n\nWorld']);
  });
});
