/**
 * Moving one file's bytes from the hub into its `.part` file.
 *
 * `GET {endpoint}/{repo}/resolve/{revision}/{path}` answers 302 to a CDN for
 * LFS files (followed here by hand, so the token is only ever sent to the hub's
 * own origin) or 200 with the content for small files. A resumed transfer
 * sends `Range: bytes=N-` and expects `206` with `Content-Range: bytes N-.../total`;
 * a `200` means the server ignored the range, so the part restarts from zero.
 *
 * Every byte is hashed as it is appended, so the digest always covers the
 * whole part. A dropped connection is retried (bounded, with backoff) from
 * what reached the disk; if the hashed count and the file size ever disagree
 * after a failure, the part is re-hashed from disk before continuing.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { DownloadError, toDownloadError } from './download-error.js';
import type { PlannedFile } from './download-plan.js';
import { createContentHasher, hashExistingFile, type ContentHasher } from './download-verify.js';
import { encodeRepoPath, hubErrorFor, hubHeaders, networkErrorFor, readFailure } from './hub.js';

const MAX_REDIRECTS = 5;

export interface RetryPolicy {
  /** Further attempts after the first one fails with a retryable error. */
  readonly maxRetries: number;
  /** Wait before retry number `retry` (1-based). */
  readonly delayMs: (retry: number) => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 5,
  delayMs: (retry) => Math.min(1000 * 2 ** (retry - 1), 30_000),
};

/** Where the part stands: `hasher.bytes` bytes of it are hashed (and, after reconcile, on disk). */
export interface PartState {
  hasher: ContentHasher;
}

export interface TransferOptions {
  readonly file: PlannedFile;
  readonly repo: string;
  readonly revision: string;
  readonly endpoint: string;
  readonly token?: string;
  readonly dispatcher?: Dispatcher;
  readonly signal: AbortSignal;
  readonly retry: RetryPolicy;
  readonly state: PartState;
  /** `bytes` more were appended to the part. */
  readonly onBytes: (bytes: number) => void;
  /** The part was emptied (the server would not resume): `bytes` of progress are gone. */
  readonly onDiscard: (bytes: number) => void;
  /** undici timeouts; a stalled body fails (and is retried) after `bodyTimeoutMs`. */
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
}

/** Fills `file.partPath` up to the remote size, retrying dropped connections. Throws DownloadError or an AbortError. */
export async function transferFile(options: TransferOptions): Promise<void> {
  let retries = 0;
  for (;;) {
    try {
      await attempt(options);
      return;
    } catch (error) {
      if (options.signal.aborted) throw error;
      const failure = toDownloadError(error, options.token);
      if (!failure.retryable || retries >= options.retry.maxRetries) throw failure;
      retries += 1;
      await sleep(options.retry.delayMs(retries), undefined, { signal: options.signal });
      await reconcile(options);
    }
  }
}

/** After a failed attempt: make the hashed byte count agree with what is really on disk. */
async function reconcile(options: TransferOptions): Promise<void> {
  const onDisk = await partSize(options.file.partPath);
  if (onDisk === options.state.hasher.bytes) return;
  const before = options.state.hasher.bytes;
  options.state.hasher = await hashExistingFile(options.file.partPath, options.file.expected, options.signal);
  const after = options.state.hasher.bytes;
  if (after < before) options.onDiscard(before - after);
  else options.onBytes(after - before);
}

async function partSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function restartPart(options: TransferOptions): Promise<void> {
  const dropped = options.state.hasher.bytes;
  await truncate(options.file.partPath, 0);
  options.state.hasher = createContentHasher(options.file.expected);
  if (dropped > 0) options.onDiscard(dropped);
}

async function attempt(options: TransferOptions): Promise<void> {
  const { file, state } = options;
  const size = file.remote.size;
  const offset = state.hasher.bytes;
  if (offset >= size) return;

  const response = await open(options, offset);
  if (response.statusCode === 200 && offset > 0) {
    // The server ignored the Range header and is sending the whole file.
    await restartPart(options);
  } else if (response.statusCode === 206) {
    const range = parseContentRange(header(response, 'content-range'));
    if (!range || range.start !== offset || (range.total !== undefined && range.total !== size)) {
      await response.body.dump();
      await restartPart(options);
      throw new DownloadError('bad_response', `The server sent the wrong byte range for ${file.remote.path}; starting that file over`, true);
    }
  } else if (response.statusCode === 416) {
    // Our part is longer than the remote file: it cannot belong to it.
    await response.body.dump();
    await restartPart(options);
    throw new DownloadError('bad_response', `The partial file for ${file.remote.path} does not match the remote file; starting it over`, true);
  } else if (response.statusCode !== 200) {
    throw hubErrorFor(await readFailure(response), `${options.repo}/${file.remote.path}`, options.token);
  }

  await appendBody(response.body, options);
  if (state.hasher.bytes < size) {
    throw new DownloadError('network', `The connection closed before ${file.remote.path} was complete`, true);
  }
}

/**
 * Hashes and appends each chunk as it arrives. However the body ends (done,
 * dropped, cancelled), the chunks already handed to the file are flushed
 * before this returns, so the hashed count matches the part on disk.
 */
async function appendBody(body: Dispatcher.ResponseData['body'], options: TransferOptions): Promise<void> {
  const { file, state } = options;
  const out = createWriteStream(file.partPath, { flags: 'a' });
  let writeError: unknown;
  out.on('error', (error) => {
    writeError ??= error;
  });
  let failure: unknown;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (writeError) throw writeError;
      if (state.hasher.bytes + chunk.length > file.remote.size) {
        throw new DownloadError('size_mismatch', `${file.remote.path} is larger than the ${file.remote.size} bytes Hugging Face listed for it`);
      }
      state.hasher.update(chunk);
      options.onBytes(chunk.length);
      if (!out.write(chunk)) await drained(out);
    }
  } catch (error) {
    failure = error;
    body.destroy();
  }
  // Wait for 'close' (not just 'finish') so the file is closed before any truncate or rename.
  await new Promise<void>((resolve) => {
    if (out.closed) return resolve();
    out.once('close', () => resolve());
    out.end();
  });
  if (failure !== undefined) throw failure;
  if (writeError) throw writeError;
}

function drained(out: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('error', done);
  });
}

/** GET the file, following redirects by hand so the token never leaves the hub's origin. */
async function open(options: TransferOptions, offset: number): Promise<Dispatcher.ResponseData> {
  let url = `${options.endpoint}/${options.repo}/resolve/${encodeURIComponent(options.revision)}/${encodeRepoPath(options.file.remote.path)}`;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: hubHeaders(url, options.endpoint, options.token, offset > 0 ? { range: `bytes=${offset}-` } : {}),
        dispatcher: options.dispatcher,
        signal: options.signal,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
      });
    } catch (error) {
      if (options.signal.aborted) throw error;
      throw networkErrorFor(error, new URL(url).origin, options.token);
    }
    const location = header(response, 'location');
    if (response.statusCode >= 300 && response.statusCode < 400 && location) {
      await response.body.dump();
      url = new URL(location, url).toString();
      continue;
    }
    return response;
  }
  throw new DownloadError('bad_response', `Too many redirects while downloading ${options.file.remote.path}`);
}

function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `bytes 100-199/1000` -> { start: 100, end: 199, total: 1000 }; `*` total -> undefined. */
export function parseContentRange(value: string | undefined): { start: number; end: number; total?: number } | undefined {
  const match = value ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value.trim()) : null;
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}
