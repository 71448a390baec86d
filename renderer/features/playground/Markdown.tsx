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

const Block = memo(function Block({ text }: { readonly text: string }) {
  const parsed = useDeferredValue(text, '');
  return parsed === text ? <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown> : <PlainText text={text} />;
});
