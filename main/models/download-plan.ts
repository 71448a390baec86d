/**
 * Deciding what a download will do before any byte moves: which files (every
 * part of a split model), where each one lands, where its partial data lives,
 * and whether the disk has room. All pure except the small sidecar helpers.
 *
 * On-disk layout in `destDir`, for a remote file `sub/name.gguf`:
 *   name.gguf              only once complete AND size AND digest verified
 *   .name.gguf.part        bytes received so far (never ends in .gguf)
 *   .name.gguf.part.json   what the part is for: repo, path, size, sha256
 * A part whose sidecar does not describe the same remote content is thrown
 * away rather than resumed.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { DownloadError } from './download-error.js';
import { formatBytes } from './download-format.js';
import type { ExpectedDigest } from './download-verify.js';
import { splitPartOf, type RepoFile } from './hub.js';

export interface PlannedFile {
  readonly remote: RepoFile;
  readonly finalPath: string;
  readonly partPath: string;
  readonly sidecarPath: string;
  readonly expected: ExpectedDigest;
}

/**
 * The remote files to fetch for `wanted` (repo paths). Asking for any part of
 * a split model brings every part, in order. Throws `file_not_found` or
 * `incomplete_split` with a message naming what is missing.
 */
export function selectFiles(listing: readonly RepoFile[], wanted: readonly string[], repo: string): RepoFile[] {
  const byPath = new Map(listing.map((file) => [file.path, file]));
  const chosen = new Map<string, RepoFile>();
  for (const path of wanted) {
    const file = byPath.get(path);
    if (!file) throw new DownloadError('file_not_found', `${repo} has no file named ${path}; list the repository's files and pick one of them`);
    const split = splitPartOf(path);
    if (!split) {
      chosen.set(file.path, file);
      continue;
    }
    const parts = listing
      .filter((candidate) => splitPartOf(candidate.path)?.groupPath === split.groupPath)
      .sort((a, b) => (splitPartOf(a.path)?.index ?? 0) - (splitPartOf(b.path)?.index ?? 0));
    const indexes = new Set(parts.map((part) => splitPartOf(part.path)?.index));
    const missing = Array.from({ length: split.count }, (_, i) => i + 1).filter((index) => !indexes.has(index));
    if (missing.length > 0) {
      throw new DownloadError('incomplete_split', `${split.groupPath} in ${repo} is split into ${split.count} parts but part(s) ${missing.join(', ')} are missing from the repository`);
    }
    for (const part of parts) chosen.set(part.path, part);
  }
  return [...chosen.values()];
}

/** Local paths and expected digest for each remote file. */
export function planFiles(files: readonly RepoFile[], destDir: string): PlannedFile[] {
  const names = new Set<string>();
  return files.map((remote) => {
    const name = basename(remote.path);
    if (name === '' || name === '.' || name === '..' || name.startsWith('.')) {
      throw new DownloadError('invalid_request', `Refusing to save a file named "${remote.path}"`);
    }
    if (names.has(name)) throw new DownloadError('invalid_request', `Two of the requested files would both be saved as ${name}; download them one at a time into different folders`);
    names.add(name);
    const expected: ExpectedDigest = remote.sha256
      ? { kind: 'sha256', hex: remote.sha256 }
      : { kind: 'git-sha1', hex: remote.gitOid, size: remote.size };
    return {
      remote,
      finalPath: join(destDir, name),
      partPath: join(destDir, `.${name}.part`),
      sidecarPath: join(destDir, `.${name}.part.json`),
      expected,
    };
  });
}

// ---------------------------------------------------------------- disk space

export interface DiskDecision {
  readonly ok: boolean;
  readonly reason: string;
}

/** Whether `needBytes` more bytes fit in `freeBytes`, with a reason a person can act on. */
export function decideDiskSpace(input: { needBytes: number; freeBytes: number; dir: string }): DiskDecision {
  if (input.needBytes <= input.freeBytes) {
    return { ok: true, reason: `${formatBytes(input.needBytes)} needed, ${formatBytes(input.freeBytes)} free in ${input.dir}` };
  }
  return {
    ok: false,
    reason: `Not enough disk space: this download needs ${formatBytes(input.needBytes)} but only ${formatBytes(input.freeBytes)} is free in ${input.dir}. Free some space or choose another models folder.`,
  };
}

// ---------------------------------------------------------------- sidecar

const sidecarSchema = z.object({
  repo: z.string(),
  revision: z.string(),
  path: z.string(),
  size: z.number(),
  digest: z.object({ kind: z.enum(['sha256', 'git-sha1']), hex: z.string() }),
});
export type PartSidecar = z.infer<typeof sidecarSchema>;

export function sidecarFor(file: PlannedFile, repo: string, revision: string): PartSidecar {
  return { repo, revision, path: file.remote.path, size: file.remote.size, digest: { kind: file.expected.kind, hex: file.expected.hex } };
}

export async function readSidecar(path: string): Promise<PartSidecar | undefined> {
  try {
    const parsed = sidecarSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A part may be resumed only if it was started for the very same content. */
export function sidecarMatches(sidecar: PartSidecar | undefined, wanted: PartSidecar): boolean {
  return (
    sidecar !== undefined &&
    sidecar.repo === wanted.repo &&
    sidecar.path === wanted.path &&
    sidecar.size === wanted.size &&
    sidecar.digest.kind === wanted.digest.kind &&
    sidecar.digest.hex.toLowerCase() === wanted.digest.hex.toLowerCase()
  );
}

export async function writeSidecar(path: string, sidecar: PartSidecar): Promise<void> {
  await writeFile(path, `${JSON.stringify(sidecar, null, 2)}\n`);
}

export async function removePart(file: PlannedFile): Promise<void> {
  await rm(file.partPath, { force: true });
  await rm(file.sidecarPath, { force: true });
}
