/** A finished message as Markdown (GitHub flavour: tables, code blocks). Loaded on first use: its own chunk. */
import { memo } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import './markdown.css';

const PLUGINS = [remarkGfm];

/** Memoised on the text: a finished message is parsed once, however often its lane redraws. */
export default memo(function Markdown({ text }: { readonly text: string }) {
  return (
    <div className="hp-markdown">
      <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown>
    </div>
  );
});
