/**
 * An answer cut into top-level Markdown blocks, each parsed and drawn by its
 * own memoised component: while an answer streams, every block but the last
 * is final (parsed once, never again), and only the growing last block is
 * redrawn; when it ends, only that last block is left to parse. Pure.
 *
 * Cuts: at a blank line once a block is big enough; and so that no block
 * grows far past MAX_BLOCK (a long run of text without blank lines, which
 * would otherwise be one parse of the whole answer), at the end of a line or,
 * in one very long line, after a sentence. Never inside a fenced code block,
 * a table row or an indented line. Only complete lines (and whole sentences)
 * decide a cut, so the blocks of a prefix of an answer are the blocks of the
 * whole answer, save the last one, which may still grow.
 */

/** Blocks of at least this many characters (small paragraphs are joined up to it). */
const MIN_BLOCK = 400;
/** A block longer than this is cut at the next line end or sentence end. */
const MAX_BLOCK = 800;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const SENTENCE_END = /[.!?][)"'\]]*(?= )/g;

/** A line a cut may follow: prose, not code, a table row or an indented continuation. */
function cuttable(line: string): boolean {
  return line.length > 0 && !/^[\s|>]/.test(line);
}

export function markdownBlocks(text: string): string[] {
  const blocks: string[] = [];
  const push = (block: string) => {
    if (block.trim() !== '') blocks.push(block);
  };
  let start = 0;
  let fence: string | null = null;
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    const complete = newline !== -1;
    const lineEnd = complete ? newline : text.length;
    const line = text.slice(lineStart, lineEnd);
    const marker = complete ? (FENCE.exec(line)?.[1] ?? null) : null;
    if (marker && (fence === null || marker.startsWith(fence))) fence = fence === null ? marker : null;
    const prose = fence === null && marker === null && cuttable(line);
    // One very long line: cut after a sentence once the block is over the limit.
    if (prose && lineEnd - start > MAX_BLOCK) {
      SENTENCE_END.lastIndex = 0;
      for (let m = SENTENCE_END.exec(line); m; m = SENTENCE_END.exec(line)) {
        const end = lineStart + m.index + m[0].length;
        if (end - start < MAX_BLOCK || end + 1 > lineEnd) continue;
        push(text.slice(start, end));
        start = end + 1; // the space after the sentence
      }
    }
    if (!complete) break;
    if (fence === null && line.trim() === '' && lineStart - start >= MIN_BLOCK) {
      // A blank line ends a block that is big enough.
      push(text.slice(start, Math.max(start, lineStart - 1)));
      start = newline + 1;
    } else if (prose && lineEnd - start >= MAX_BLOCK) {
      push(text.slice(start, lineEnd));
      start = newline + 1;
    }
    lineStart = newline + 1;
  }
  push(text.slice(start));
  return blocks;
}
