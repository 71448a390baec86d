/**
 * Around the open page: while the engine does not answer, what the page shows
 * is what it read before, so it is dimmed (kept in place and usable, nothing
 * moves) and a note for screen readers says since when. Back to normal as soon
 * as the engine answers. One wrapper for every page.
 */
import { useId, type ReactNode } from 'react';
import { VisuallyHidden } from '@mantine/core';
import { formatClock } from '../lib/format.js';

/** How far the page fades while its values are old: still readable in light and dark. */
export const STALE_OPACITY = 0.55;

export interface StaleWhileAwayProps {
  /** When the engine stopped answering (the status store's `lostAt`); null while it answers. */
  readonly lostAt: number | null;
  readonly children: ReactNode;
}

export function StaleWhileAway({ lostAt, children }: StaleWhileAwayProps) {
  const noteId = useId();
  const stale = lostAt !== null;
  // The page stays in the same place in the tree either way, so nothing on it is mounted again.
  return (
    <div className="hp-stale" data-stale={stale || undefined} aria-describedby={stale ? noteId : undefined} style={stale ? { opacity: STALE_OPACITY } : undefined}>
      {stale && <VisuallyHidden id={noteId}>{staleNote(lostAt)}</VisuallyHidden>}
      {children}
    </div>
  );
}

/** The note read out before the page while its values are old. */
export function staleNote(lostAt: number): string {
  return `Showing the last values read at ${formatClock(lostAt)} — the engine is not answering`;
}
