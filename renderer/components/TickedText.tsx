/**
 * Words from the engine or the transport mark commands and names with
 * backticks (`homeport serve`); shown as they are, the backticks read as
 * stray punctuation. This shows each marked part as code.
 */
import { Fragment } from 'react';
import { Code } from '@mantine/core';

/** The text with each `…` part as inline code; text without a closing backtick is left as it is. */
export function TickedText({ text }: { readonly text: string }) {
  const parts = text.split('`');
  // An even count of parts means an unmatched backtick: keep the text whole.
  if (parts.length < 3 || parts.length % 2 === 0) return <>{text}</>;
  return (
    <>
      {parts.map((part, i) => (i % 2 === 1 ? <Code key={i}>{part}</Code> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}
