/**
 * What a pasted key should look like, to catch a token cut short or the wrong
 * thing pasted before it is saved. Warns only (the hub decides what it takes);
 * the words never repeat any of the value.
 */

export const HF_TOKEN_WARNING = 'Hugging Face tokens start with hf_ — check you pasted the whole token.';

/** The warning for a Hugging Face token as typed (surrounding spaces are dropped on save), or null when it looks right or is empty. */
export function hfTokenWarning(value: string): string | null {
  const token = value.trim();
  if (!token || token.startsWith('hf_')) return null;
  return HF_TOKEN_WARNING;
}
