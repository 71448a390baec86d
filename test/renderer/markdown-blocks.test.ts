import { describe, expect, it } from 'vitest';
import { markdownBlocks } from '../../renderer/features/playground/markdown-blocks.js';

const para = (n: number) => `Paragraph ${n} ${'word '.repeat(100)}`.trim();
const words = (text: string) => text.split(/\s+/).filter(Boolean);

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

  it('cuts a long run of lines without blank lines at line ends, so no block is far past the limit', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `Line ${i} of a story that goes on and on without a blank line.`);
    const blocks = markdownBlocks(lines.join('\n'));
    expect(blocks.length).toBeGreaterThan(3);
    for (const block of blocks) expect(block.length).toBeLessThan(900);
    expect(blocks.join('\n')).toBe(lines.join('\n'));
  });

  it('cuts one very long line after a sentence, losing no word', () => {
    const text = Array.from({ length: 150 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const blocks = markdownBlocks(text);
    expect(blocks.length).toBeGreaterThan(2);
    for (const block of blocks) expect(block.length).toBeLessThan(900);
    expect(blocks.every((b) => b.endsWith('.'))).toBe(true);
    expect(words(blocks.join(' '))).toEqual(words(text));
  });

  it('never cuts between table rows or inside a long code block', () => {
    const table = ['| a | b |', '| - | - |', ...Array.from({ length: 80 }, (_, i) => `| row ${i} with some text | ${i} |`)].join('\n');
    const code = ['```', ...Array.from({ length: 80 }, (_, i) => `const value${i} = compute(${i}); // a line of code`), '```'].join('\n');
    const text = [para(1), '', table, '', code].join('\n');
    const blocks = markdownBlocks(text);
    expect(blocks.some((b) => b.includes(table))).toBe(true);
    expect(blocks.some((b) => b.includes(code))).toBe(true);
  });

  it('gives every prefix of a streaming answer the same finished blocks as the whole answer (only the last may still grow)', () => {
    const parts = [para(1), '', 'Short.', '', para(2)];
    for (let i = 0; i < 30; i += 1) parts.push(`Line ${i}: ${'and then something happened. '.repeat(3)}`);
    parts.push('', Array.from({ length: 90 }, (_, i) => `Sentence ${i} goes here.`).join(' '), '', '```js', 'let x = 1;', '', 'x += 1;', '```', 'The end.');
    const text = parts.join('\n');
    const whole = markdownBlocks(text);
    for (let end = 1; end <= text.length; end += 7) {
      const blocks = markdownBlocks(text.slice(0, end));
      const finished = blocks.slice(0, -1);
      expect(finished).toEqual(whole.slice(0, finished.length));
    }
  });
});
