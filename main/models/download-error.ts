/**
 * The one error type a download reports. Every message says what happened and
 * what to do, and none of them ever contains the Hugging Face token: messages
 * are built without it and pass through `redact()` once more on the way out.
 */
import { redact } from '../secrets/redact.js';
import { HubError, type HubErrorCode } from './hub.js';

export type DownloadErrorCode =
  | HubErrorCode
  | 'checksum_mismatch'
  | 'size_mismatch'
  | 'insufficient_disk'
  | 'file_not_found'
  | 'incomplete_split'
  | 'already_downloading'
  | 'io_error';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    /** Whether trying the same request again may succeed (a dropped connection, a 503). */
    readonly retryable = false,
  ) {
    super(message);
  }
  toJSON(): { name: string; code: DownloadErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Any failure as a DownloadError whose message holds no secret. */
export function toDownloadError(error: unknown, token?: string): DownloadError {
  const clean = (message: string): string => redact(message, { secrets: [token] });
  if (error instanceof DownloadError) {
    return new DownloadError(error.code, clean(error.message), error.retryable);
  }
  if (error instanceof HubError) return new DownloadError(error.code, clean(error.message), error.retryable);
  const message = error instanceof Error ? error.message : String(error);
  const errno = (error as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && ['ENOSPC', 'EDQUOT'].includes(errno)) {
    return new DownloadError('insufficient_disk', clean(`The disk is full: ${message}. Free some space and try again; the download resumes where it stopped.`));
  }
  if (typeof errno === 'string' && /^E[A-Z]+$/.test(errno) && !['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(errno)) {
    return new DownloadError('io_error', clean(`Could not write the model file: ${message}`));
  }
  // Anything else comes from the transport (undici socket errors, timeouts): worth a retry.
  return new DownloadError('network', clean(`The connection to Hugging Face failed: ${message}`), true);
}
