/**
 * Content digests for downloaded files.
 *
 * LFS files (every GGUF on the hub in practice) are listed with the sha256 of
 * their content. Small plain git files only have their git blob id, which is
 * sha1("blob <size>\0" + content); we check that instead when no sha256 is known.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type ExpectedDigest =
  | { readonly kind: 'sha256'; readonly hex: string }
  | { readonly kind: 'git-sha1'; readonly hex: string; readonly size: number };

/** A running digest over a file's bytes, fed in order from byte 0. */
export interface ContentHasher {
  readonly expected: ExpectedDigest;
  /** How many content bytes went in so far. */
  readonly bytes: number;
  update(chunk: Uint8Array): void;
  /** Finishes the digest; call once, after the last byte. */
  digestHex(): string;
}

export function createContentHasher(expected: ExpectedDigest): ContentHasher {
  let hash: Hash;
  if (expected.kind === 'sha256') {
    hash = createHash('sha256');
  } else {
    hash = createHash('sha1');
    hash.update(`blob ${expected.size}\0`);
  }
  let bytes = 0;
  return {
    expected,
    get bytes() {
      return bytes;
    },
    update(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
    },
    digestHex() {
      return hash.digest('hex');
    },
  };
}

/** Feeds the whole of `path` into a fresh hasher (used to resume from a partial file). */
export async function hashExistingFile(path: string, expected: ExpectedDigest, signal?: AbortSignal): Promise<ContentHasher> {
  const hasher = createContentHasher(expected);
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal });
  for await (const chunk of stream) hasher.update(chunk as Buffer);
  return hasher;
}

export function digestMatches(hasher: ContentHasher): boolean {
  return hasher.digestHex() === hasher.expected.hex.toLowerCase();
}
