/**
 * An answer as Markdown (GitHub flavour: tables, code blocks), also while it
 * streams. Loaded on first use: its own chunk (the Playground preloads it
 * while idle).
 *
 * The answer is cut into blocks (markdown-blocks.ts), each its own memoised
 * component: while it streams, the blocks before the last are parsed once
 * each as they complete, and the growing last one is plain text until the
 * answer ends, so a frame never re-parses the answer and the end of a long
 * stream costs one block's parse. A finished answer drawn for the first time
 * (a saved conversation opened) is rendered in a transition, block by block
 * between frames, showing its plain text meanwhile.
 */
import { memo, useDeferredValue, useState } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { markdownBlocks } from './markdown-blocks.js';
import { PlainText } from './PlainText.js';
import './markdown.css';

const PLUGINS = [remarkGfm];
/** The deferred value of an answer first drawn while streaming: constant, so no background render follows each update. */
const DRAWN_LIVE = '\u0000live';

export interface MarkdownProps {
  readonly text: string;
  /** Still growing: the last block stays plain text. */
  readonly streaming?: boolean;
}

export default memo(function Markdown({ text, streaming = false }: MarkdownProps) {
  const [firstDrawnLive] = useState(streaming);
  const deferred = useDeferredValue(firstDrawnLive ? DRAWN_LIVE : text, '');
  if (!firstDrawnLive && deferred !== text) return <PlainText text={text} />;
  const blocks = markdownBlocks(text);
  return (
    <div className="hp-markdown">
      {blocks.map((block, i) => (streaming && i === blocks.length - 1 ? <PlainText key={`${i}-live`} text={block} /> : <Block key={i} text={block} />))}
    </div>
  );
});

const Block = memo(function Block({ text }: { readonly text: string }) {
  return <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown>;
});
