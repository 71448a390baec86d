/**
 * Quantisation names read from GGUF file names.
 *
 * Hugging Face GGUF repos name their files after llama.cpp's quantisation
 * types: `Llama-3.2-1B-Instruct-Q4_K_M.gguf`, `model.IQ2_XS.gguf`,
 * `qwen2.5-7b-instruct-bf16-00001-of-00002.gguf`, `UD-Q4_K_XL` (unsloth's
 * "dynamic" variants). The name is only a convention, but it is what people
 * pick a file by, so the UI shows it next to the size.
 */

// One alternative per family, most specific first so `Q4_K_M` wins over `Q4_K`.
const QUANT_PATTERN = new RegExp(
  [
    'IQ[1-4]_(?:XXS|XS|NL|S|M)', // i-quants: IQ2_XXS, IQ3_M, IQ4_NL ...
    'TQ[12]_0', // ternary
    'Q[2-8]_K(?:_(?:XXL|XL|XS|S|M|L))?', // k-quants: Q4_K_M, Q6_K, Q3_K_XL ...
    'Q[4-8]_[01](?:_[48]_[48])?', // legacy: Q4_0, Q5_1, Q8_0, Q4_0_4_8 ...
    'MXFP4(?:_MOE)?',
    'BF16',
    'FP?16',
    'FP?32',
  ]
    .map((alternative) => `(?:UD-)?(?:${alternative})`)
    .join('|'),
  'gi',
);

/** Characters that may sit on either side of a quant name inside a file name. */
const SEPARATOR = /[-._\s/]/;

/**
 * The quantisation type named in a file name, upper-cased (`Q4_K_M`, `IQ2_XS`,
 * `F16`, `BF16`, `UD-Q4_K_XL`), or undefined when the name carries none (for
 * example `stories260K.gguf`). When several match, the last one counts:
 * `Q8_0-model-Q4_K_M.gguf` is a Q4_K_M file.
 */
export function quantFromFileName(fileName: string): string | undefined {
  const slash = fileName.lastIndexOf('/');
  const base = fileName.slice(slash + 1).replace(/\.gguf$/i, '');
  // Some repos keep the quant only in a folder name: `Q4_K_M/model-00001-of-00002.gguf`.
  return lastQuantIn(base) ?? (slash > 0 ? lastQuantIn(fileName.slice(0, slash)) : undefined);
}

function lastQuantIn(base: string): string | undefined {
  let found: string | undefined;
  for (const match of base.matchAll(QUANT_PATTERN)) {
    const before = base[match.index - 1];
    const after = base[match.index + match[0].length];
    const boundedBefore = before === undefined || SEPARATOR.test(before);
    const boundedAfter = after === undefined || SEPARATOR.test(after);
    if (boundedBefore && boundedAfter) found = normalise(match[0]);
  }
  return found;
}

function normalise(raw: string): string {
  const upper = raw.toUpperCase();
  // FP16 / FP32 are spelled F16 / F32 by llama.cpp.
  return upper.replace(/^FP(16|32)$/, 'F$1');
}

/**
 * Which quant to fetch when the user names a repo but no file: the common
 * "good default" first, then smaller-but-fine, then bigger. Lower is better;
 * unknown names rank after every listed one.
 */
export const DEFAULT_QUANT_PREFERENCE: readonly string[] = ['Q4_K_M', 'Q4_0', 'Q5_K_M', 'Q8_0'];

export function quantPreferenceRank(quant: string | undefined, preference: readonly string[] = DEFAULT_QUANT_PREFERENCE): number {
  if (quant === undefined) return preference.length;
  const index = preference.indexOf(quant.replace(/^UD-/, ''));
  return index === -1 ? preference.length : index;
}
