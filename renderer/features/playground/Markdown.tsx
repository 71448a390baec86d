/** A finished message as Markdown (GitHub flavour: tables, code blocks). Loaded on first use: its own chunk. */
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import './markdown.css';

const PLUGINS = [remarkGfm];

export default function Markdown({ text }: { readonly text: string }) {
  return (
    <div className="hp-markdown">
      <ReactMarkdown remarkPlugins={PLUGINS}>{text}</ReactMarkdown>
    </div>
  );
}
