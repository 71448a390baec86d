/**
 * A finished message as Markdown (GitHub flavour: tables, code blocks).
 * Loaded on first use: its own chunk (the Playground preloads it while idle).
 *
 * A long answer is drawn block by block (markdown-blocks.ts), each block its
 * own memoised component, inside a transition: React renders the blocks in
 * slices between frames, so finishing a 3,000-token answer is not one long task.
 */
import { memo, useDeferredValue } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { markdownBlocks } from './markdown-blocks.js';
import './markdown.css';

const PLUGINS = [remarkGfm];

/** Memoised on the text: a finished message is parsed once, however often its lane redraws. */
export default memo(function Markdown({ text }: { readonly text: string }) {
  // First the text as it streamed (cheap), then the Markdown in the background.
  const deferred = useDeferredValue(text, '');
  if (deferred !== text) {
    return <div style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontSize: 'var(--mantine-font-size-sm)', lineHeight: 1.55 }}>{text}</div>;
  }
  return (
    <div className="hp-markdown">
      {markdownBlocks(text).map((block, i) => (
        <Block key={i} text={block} />
      ))}
    </div>
  );
});

const Block = memo(function Block({ text }: { readonly text: string }) {
  return <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown>;
});
