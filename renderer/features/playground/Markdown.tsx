/**
 * An answer as Markdown (GitHub flavour: tables, code blocks), also while it
 * streams. Loaded on first use: its own chunk (the Playground preloads it
 * while idle).
 *
 * The answer is cut into blocks (markdown-blocks.ts), each its own memoised
 * component: while it streams, the blocks before the last are final and the
 * growing last one stays plain text until the answer ends, so an update never
 * re-parses the answer. A block is first drawn as plain text and parsed in a
 * transition (useDeferredValue), so its parse runs in a task of its own after
 * the frame that brought its text, not inside it; a saved conversation
 * opened with many blocks is parsed block by block between frames.
 */
import { memo, useDeferredValue } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { markdownBlocks } from './markdown-blocks.js';
import { PlainText } from './PlainText.js';
import './markdown.css';

const PLUGINS = [remarkGfm];

export interface MarkdownProps {
  readonly text: string;
  /** Still growing: the last block stays plain text. */
  readonly streaming?: boolean;
}

export default memo(function Markdown({ text, streaming = false }: MarkdownProps) {
  const blocks = markdownBlocks(text);
  return (
    <div className="hp-markdown">
      {blocks.map((block, i) => (streaming && i === blocks.length - 1 ? <PlainText key={`${i}-live`} text={block} /> : <Block key={i} text={block} />))}
    </div>
  );
});

/**
 * Parses a short sample once, outside any render: the parser's first run is slow (its code is not compiled yet), and
 * would otherwise be the first block of the first answer, a task of its own of 20 ms or more in the middle of a
 * stream. The Playground calls it while idle after loading this chunk. Returns the elements, unused.
 */
export function warmUpMarkdown(): unknown {
  return ReactMarkdown({ children: WARM_UP_SAMPLE, remarkPlugins: PLUGINS });
}

const WARM_UP_SAMPLE = [
  'Once upon a time, there was a little girl named Lily. She liked to play outside in the sun with her friends, and *one day* she found a **big** red ball.',
  '',
  '- a list item with `code`',
  '- and [a link](https://example.com)',
  '',
  '| a | b |',
  '| - | - |',
  '| 1 | 2 |',
  '',
  '```js',
  'const answer = 42;',
  '```',
].join('\n');

const Block = memo(function Block({ text }: { readonly text: string }) {
  const parsed = useDeferredValue(text, '');
  return parsed === text ? <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown> : <PlainText text={text} />;
});
