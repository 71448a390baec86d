/**
 * Downloading GGUF models from the Hugging Face Hub.
 *
 *   const handle = startDownload({ repo: 'ggml-org/tiny-llamas', file: 'stories260K.gguf', destDir });
 *   handle.events.on('progress', (p) => ...);
 *   const outcome = await handle.done; // { status: 'done' | 'cancelled' | 'error', ... }
 *
 * What it guarantees:
 * - Nothing named `*.gguf` appears in `destDir` until a file is complete and
 *   its size and sha256 match the hub's listing; then it is renamed into place.
 *   A split model (`name-00001-of-00003.gguf`) is renamed only once every part
 *   is verified, so a scanner never sees half a model.
 * - A wrong digest deletes the partial file and fails with `checksum_mismatch`.
 * - `cancel()` stops promptly and KEEPS the `.part` files: the next download of
 *   the same file (same size and sha256) resumes with `Range: bytes=N-` after
 *   re-hashing what is already there. Delete `.NAME.part*` to reclaim the space.
 * - Dropped connections are retried a bounded number of times with backoff.
 * - The known total size is checked against free space before anything starts.
 * - The token goes only to the hub's origin and never into an event or error.
 *
 * `done` never rejects; failures arrive as `{ status: 'error' }` and an `error` event.
 * The `homeport pull REPO[:FILE]` command lives in download-cli.ts.
 */
import { mkdir, open, rename, rm, stat, statfs as fsStatfs } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { DownloadError, toDownloadError } from './download-error.js';
import { DownloadEvents } from './download-events.js';
import {
  decideDiskSpace,
  planFiles,
  readSidecar,
  removePart,
  selectFiles,
  sidecarFor,
  sidecarMatches,
  writeSidecar,
  type PlannedFile,
} from './download-plan.js';
import { ProgressMeter } from './download-progress.js';
import { DEFAULT_RETRY, transferFile, type PartState, type RetryPolicy } from './download-transfer.js';
import { createContentHasher, digestMatches, hashExistingFile } from './download-verify.js';
import { assertRepoId, listRepoFiles, resolveHubEndpoint, type RepoFile } from './hub.js';

export { DownloadError, type DownloadErrorCode } from './download-error.js';
export type { DownloadEventMap, DownloadEvents, DownloadProgress } from './download-events.js';
export type { RetryPolicy } from './download-transfer.js';

/** Free space in a folder, as `fs.statfs` reports it. */
export type StatfsFn = (dir: string) => Promise<{ readonly bavail: number | bigint; readonly bsize: number | bigint }>;

export interface StartDownloadOptions {
  readonly repo: string;
  /** One repo path; any part of a split model brings all its parts. */
  readonly file?: string;
  /** Several repo paths, downloaded together under one progress stream. */
  readonly files?: readonly string[];
  readonly revision?: string;
  /** Folder the model files land in (created if missing). */
  readonly destDir: string;
  /** Hub base URL; `HF_ENDPOINT` or https://huggingface.co by default. */
  readonly endpoint?: string;
  readonly token?: string;
  readonly dispatcher?: Dispatcher;
  /** The repo listing, when the caller already fetched it (saves a request). */
  readonly listing?: readonly RepoFile[];
  readonly retry?: RetryPolicy;
  /** Minimum time between progress events (default 250 ms); 0 emits on every chunk. */
  readonly progressIntervalMs?: number;
  readonly statfs?: StatfsFn;
  readonly now?: () => number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
}

export type DownloadOutcome =
  | { readonly status: 'done'; readonly paths: readonly string[] }
  | { readonly status: 'cancelled'; readonly partPaths: readonly string[] }
  | { readonly status: 'error'; readonly error: { readonly message: string; readonly code: string } };

export interface DownloadHandle {
  readonly events: DownloadEvents;
  /** Stops the transfer; partial files are kept for a later resume. */
  cancel(): void;
  readonly done: Promise<DownloadOutcome>;
}

/** Final paths being downloaded by this process, so two downloads never share a part file. */
const active = new Set<string>();

export function startDownload(options: StartDownloadOptions): DownloadHandle {
  const events = new DownloadEvents();
  const controller = new AbortController();
  const done = run(options, events, controller.signal);
  return { events, cancel: () => controller.abort(), done };
}

async function run(options: StartDownloadOptions, events: DownloadEvents, signal: AbortSignal): Promise<DownloadOutcome> {
  // Let the caller subscribe before the first event.
  await Promise.resolve();
  let planned: PlannedFile[] = [];
  let current: PlannedFile | undefined;
  const claimed: string[] = [];
  try {
    assertRepoId(options.repo);
    const endpoint = resolveHubEndpoint(options);
    const revision = options.revision ?? 'main';
    const wanted = options.files ?? (options.file !== undefined ? [options.file] : []);
    if (wanted.length === 0) throw new DownloadError('invalid_request', 'Name the file to download (file or files)');
    const listing =
      options.listing ??
      (await listRepoFiles({ repo: options.repo, revision, endpoint, token: options.token, dispatcher: options.dispatcher, signal }));
    planned = planFiles(selectFiles(listing, wanted, options.repo), options.destDir);
    for (const file of planned) {
      if (active.has(file.finalPath)) throw new DownloadError('already_downloading', `${file.finalPath} is already being downloaded`);
    }
    for (const file of planned) {
      active.add(file.finalPath);
      claimed.push(file.finalPath);
    }
    await mkdir(options.destDir, { recursive: true });

    const present = await Promise.all(planned.map((file) => bytesAlreadyThere(file, options.repo, revision)));
    const bytesTotal = planned.reduce((sum, file) => sum + file.remote.size, 0);
    const bytesPresent = present.reduce((sum, bytes) => sum + bytes, 0);
    await checkDiskSpace(options, bytesTotal - bytesPresent);

    const now = options.now ?? (() => performance.now());
    const meter = new ProgressMeter({
      bytesTotal,
      bytesDone: 0,
      intervalMs: options.progressIntervalMs ?? 250,
      now,
      report: (progress) => events.emit('progress', progress),
    });

    const verified: PlannedFile[] = [];
    for (const file of planned) {
      current = file;
      meter.setFile(file.remote.path);
      if (await finalFileIsValid(file, events, signal)) {
        meter.addExisting(file.remote.size);
        continue;
      }
      const state = await preparePart(file, options.repo, revision, signal);
      meter.addExisting(state.hasher.bytes);
      await transferFile({
        file,
        repo: options.repo,
        revision,
        endpoint,
        token: options.token,
        dispatcher: options.dispatcher,
        signal,
        retry: options.retry ?? DEFAULT_RETRY,
        state,
        onBytes: (bytes) => meter.addTransferred(bytes),
        onDiscard: (bytes) => meter.discard(bytes),
        headersTimeoutMs: options.headersTimeoutMs,
        bodyTimeoutMs: options.bodyTimeoutMs,
      });
      meter.flush();
      events.emit('verifying', { file: file.remote.path });
      await verifyPart(file, state);
      verified.push(file);
    }

    // Every file checked: only now do the .gguf names appear.
    for (const file of verified) await promote(file);
    const paths = planned.map((file) => file.finalPath);
    events.emit('done', { paths });
    return { status: 'done', paths };
  } catch (error) {
    // A part that never received a byte (refused by the hub, cancelled at once) is just clutter.
    if (current && (await sizeOf(current.partPath)) === 0) await removePart(current).catch(() => undefined);
    if (signal.aborted) {
      const partPaths = await existingParts(planned);
      events.emit('cancelled', { partPaths });
      return { status: 'cancelled', partPaths };
    }
    const failure = toDownloadError(error, options.token);
    // Bytes that cannot be the listed file are worthless for a resume.
    if (current && (failure.code === 'size_mismatch' || failure.code === 'checksum_mismatch')) await removePart(current).catch(() => undefined);
    events.emit('error', { message: failure.message, code: failure.code });
    return { status: 'error', error: { message: failure.message, code: failure.code } };
  } finally {
    for (const path of claimed) active.delete(path);
  }
}

/** Bytes of `file` already on disk that will not need downloading again (a final file or a matching part). */
async function bytesAlreadyThere(file: PlannedFile, repo: string, revision: string): Promise<number> {
  const finalSize = await sizeOf(file.finalPath);
  if (finalSize === file.remote.size) return finalSize;
  const partBytes = await sizeOf(file.partPath);
  if (partBytes === undefined || partBytes > file.remote.size) return 0;
  return sidecarMatches(await readSidecar(file.sidecarPath), sidecarFor(file, repo, revision)) ? partBytes : 0;
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

async function checkDiskSpace(options: StartDownloadOptions, needBytes: number): Promise<void> {
  if (needBytes <= 0) return;
  let freeBytes: number;
  try {
    const stats = await (options.statfs ?? fsStatfs)(options.destDir);
    freeBytes = Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return; // A filesystem that cannot say: ENOSPC, if it comes, is reported then.
  }
  const decision = decideDiskSpace({ needBytes, freeBytes, dir: options.destDir });
  if (!decision.ok) throw new DownloadError('insufficient_disk', decision.reason);
}

/** A final file that is already there with the right size and digest is kept as is. */
async function finalFileIsValid(file: PlannedFile, events: DownloadEvents, signal: AbortSignal): Promise<boolean> {
  if ((await sizeOf(file.finalPath)) !== file.remote.size) return false;
  events.emit('verifying', { file: file.remote.path });
  return digestMatches(await hashExistingFile(file.finalPath, file.expected, signal));
}

/** Resumes a matching part (re-hashing it) or starts a fresh one with its sidecar. */
async function preparePart(file: PlannedFile, repo: string, revision: string, signal: AbortSignal): Promise<PartState> {
  const wanted = sidecarFor(file, repo, revision);
  const partBytes = await sizeOf(file.partPath);
  if (partBytes !== undefined && partBytes <= file.remote.size && sidecarMatches(await readSidecar(file.sidecarPath), wanted)) {
    return { hasher: await hashExistingFile(file.partPath, file.expected, signal) };
  }
  await removePart(file);
  await writeSidecar(file.sidecarPath, wanted);
  const handle = await open(file.partPath, 'w');
  await handle.close();
  return { hasher: createContentHasher(file.expected) };
}

async function verifyPart(file: PlannedFile, state: PartState): Promise<void> {
  const onDisk = await sizeOf(file.partPath);
  if (onDisk !== file.remote.size || state.hasher.bytes !== file.remote.size) {
    await removePart(file);
    throw new DownloadError('size_mismatch', `${file.remote.path} arrived with ${onDisk ?? 0} bytes instead of ${file.remote.size}; the partial file was deleted, try again`);
  }
  if (!digestMatches(state.hasher)) {
    await removePart(file);
    throw new DownloadError(
      'checksum_mismatch',
      `${file.remote.path} failed its ${file.expected.kind} check (the bytes received are not the file Hugging Face lists); the partial file was deleted, try again`,
    );
  }
}

/** Flushes the part to disk and renames it to its final name (atomic on one filesystem). */
async function promote(file: PlannedFile): Promise<void> {
  const handle = await open(file.partPath, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(file.partPath, file.finalPath);
  await rm(file.sidecarPath, { force: true });
}

async function existingParts(planned: readonly PlannedFile[]): Promise<string[]> {
  const sizes = await Promise.all(planned.map((file) => sizeOf(file.partPath)));
  return planned.filter((_, i) => sizes[i] !== undefined).map((file) => file.partPath);
}
