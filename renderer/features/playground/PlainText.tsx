/**
 * Text as typed or as it streams, one element per line: as it grows, only
 * the last line changes, so the browser lays out a line, not the whole text,
 * each update.
 */
import { memo } from 'react';

export function PlainText({ text }: { readonly text: string }) {
  const lines = text.split('\n');
  return (
    <div style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontSize: 'var(--mantine-font-size-sm)', lineHeight: 1.55 }}>
      {lines.map((line, i) => (
        <Line key={i} text={line} />
      ))}
    </div>
  );
}

const Line = memo(function Line({ text }: { readonly text: string }) {
  return <div>{text || '\u00a0'}</div>;
});
