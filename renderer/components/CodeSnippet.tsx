/** A short code block with a copy button in its corner. */
import { Box, Code } from '@mantine/core';
import { CopyButton } from './CopyButton.js';

export interface CodeSnippetProps {
  readonly code: string;
  /** What the snippet is, e.g. "Python snippet": names the copy button. */
  readonly what: string;
}

export function CodeSnippet({ code, what }: CodeSnippetProps) {
  return (
    <Box pos="relative">
      <Code block fz="xs" pr={40} style={{ whiteSpace: 'pre', overflowX: 'auto' }}>
        {code}
      </Code>
      <Box pos="absolute" top={6} right={6}>
        <CopyButton value={code} what={what} />
      </Box>
    </Box>
  );
}
