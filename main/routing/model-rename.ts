/**
 * A request body with its top-level `model` renamed (a route's name → the
 * target's own model name), without re-serializing the whole body when it can
 * be avoided: re-serializing costs time in proportion to the prompt, on every
 * routed request.
 *
 * The bytes are walked (strings skipped, depth counted) up to each `"model"`
 * key; when exactly one sits at the top level and its value is `from` as the
 * JSON encoder writes it, that value is swapped in place. Anything else — the
 * name written with escapes, a duplicate key — falls back to JSON.stringify.
 */
const MODEL_KEY = Buffer.from('"model"');
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;

function isSpace(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB || byte === LF || byte === CR;
}

/** Where the value of the `"model"` key at `keyAt` starts, if it is `value` (JSON-encoded); -1 otherwise. */
function valueAfter(raw: Buffer, keyAt: number, value: Buffer): number {
  let at = keyAt + MODEL_KEY.length;
  while (isSpace(raw[at])) at++;
  if (raw[at] !== COLON) return -1;
  at++;
  while (isSpace(raw[at])) at++;
  return raw.compare(value, 0, value.length, at, at + value.length) === 0 ? at : -1;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Model names as JSON string bytes (route names and target models: a handful). */
const encoded = new Map<string, Buffer>();

function encodedName(name: string): Buffer {
  let bytes = encoded.get(name);
  if (bytes === undefined) {
    if (encoded.size >= 256) encoded.clear();
    bytes = Buffer.from(JSON.stringify(name));
    encoded.set(name, bytes);
  }
  return bytes;
}

/** The quote that closes the string opened at `open` (one not escaped by an odd run of backslashes), or -1. */
function closingQuote(raw: Buffer, open: number): number {
  let end = raw.indexOf(QUOTE, open + 1);
  while (end !== -1) {
    let slashes = 0;
    while (raw[end - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
    end = raw.indexOf(QUOTE, end + 1);
  }
  return -1;
}

export function renameModel(raw: Buffer, json: Readonly<Record<string, unknown>>, to: string): Buffer {
  const from = json.model;
  if (typeof from === 'string') {
    const fromValue = encodedName(from);
    let found = -1;
    let topLevelKeys = 0;
    // The walk's state, carried from one `"model"` to the next: strings are jumped over with indexOf.
    let depth = 0;
    let i = 0;
    for (let at = raw.indexOf(MODEL_KEY); at !== -1; at = raw.indexOf(MODEL_KEY, at + 1)) {
      while (i < at) {
        const byte = raw[i];
        if (byte === QUOTE) {
          const end = closingQuote(raw, i);
          if (end === -1) return Buffer.from(JSON.stringify({ ...json, model: to }));
          i = end + 1;
        } else {
          if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
          else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
          i++;
        }
      }
      // Past `at`: this `"model"` was inside a string.
      if (i !== at || depth !== 1) continue;
      topLevelKeys++;
      found = valueAfter(raw, at, fromValue);
      i = at + MODEL_KEY.length;
    }
    if (topLevelKeys === 1 && found !== -1) return Buffer.concat([raw.subarray(0, found), encodedName(to), raw.subarray(found + fromValue.length)]);
  }
  return Buffer.from(JSON.stringify({ ...json, model: to }));
}
