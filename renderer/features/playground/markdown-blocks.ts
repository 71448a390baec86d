/**
 * A long answer cut into top-level Markdown blocks at blank lines, never
 * inside a fenced code block. Each block is parsed and drawn by its own
 * component, so React can spread a long answer's first Markdown render over
 * several frames instead of one long task. Pure.
 */

/** Blocks of at least this many characters (small paragraphs are joined up to it). */
const MIN_BLOCK = 400;

export function markdownBlocks(text: string): string[] {
  const lines = text.split('\n');
  const blocks: string[] = [];
  let current: string[] = [];
  let size = 0;
  let fence: string | null = null;
  for (const line of lines) {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1] ?? null;
    if (marker && (fence === null || marker.startsWith(fence))) fence = fence === null ? marker : null;
    const blank = line.trim() === '';
    // A blank line outside a code block ends a block once it is big enough; a list or table item after it would start a new one anyway.
    if (blank && fence === null && size >= MIN_BLOCK) {
      blocks.push(current.join('\n'));
      current = [];
      size = 0;
      continue;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.some((line) => line.trim() !== '')) blocks.push(current.join('\n'));
  return blocks;
}
