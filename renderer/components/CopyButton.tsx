/** Copies a value; says "Copied" for a moment. Labelled with what it copies. */
import { ActionIcon, Button, CopyButton as MantineCopyButton, Tooltip } from '@mantine/core';

export interface CopyButtonProps {
  readonly value: string;
  /** What is copied, e.g. "endpoint URL": the button is named "Copy endpoint URL". */
  readonly what: string;
  /** A text button instead of an icon. */
  readonly withLabel?: boolean;
}

function CopyGlyph({ copied }: { readonly copied: boolean }) {
  return (
    <svg width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {copied ? <path d="M5 12l5 5L20 7" /> : <path d="M9 9h10v10H9zM5 15V5h10" />}
    </svg>
  );
}

export function CopyButton({ value, what, withLabel }: CopyButtonProps) {
  return (
    <MantineCopyButton value={value} timeout={1500}>
      {({ copied, copy }) =>
        withLabel ? (
          <Button size="xs" variant="default" leftSection={<CopyGlyph copied={copied} />} onClick={copy} aria-label={`Copy ${what}`}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        ) : (
          <Tooltip label={copied ? 'Copied' : `Copy ${what}`}>
            <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label={`Copy ${what}`}>
              <CopyGlyph copied={copied} />
            </ActionIcon>
          </Tooltip>
        )
      }
    </MantineCopyButton>
  );
}
