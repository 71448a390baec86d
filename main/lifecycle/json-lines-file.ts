/**
 * An append-only JSON-lines file that rotates at a size cap: when the next
 * line would take the file past `maxBytes`, the file becomes `<path>.1`
 * (replacing the previous one) and a fresh file starts. So at most about
 * 2 × maxBytes stay on disk.
 *
 * Appends are queued in order and never throw at the caller; a failed write
 * goes to `onError` and the next append tries again.
 */
import { appendFile, rename, stat } from 'node:fs/promises';

/** The file operations used, injectable for tests. */
export interface AppendOnlyFileSystem {
  appendFile(path: string, data: string): Promise<void>;
  /** Size in bytes; 0 when the file does not exist. */
  size(path: string): Promise<number>;
  rename(from: string, to: string): Promise<void>;
}

export const nodeAppendOnlyFileSystem: AppendOnlyFileSystem = {
  appendFile: (path, data) => appendFile(path, data, { encoding: 'utf8', mode: 0o600 }),
  async size(path) {
    try {
      return (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  },
  rename: (from, to) => rename(from, to),
};

export interface JsonLinesFileOptions {
  readonly path: string;
  /** Rotate before a line would take the file past this size. Default 1 MiB. */
  readonly maxBytes?: number;
  readonly fs?: AppendOnlyFileSystem;
  /** A write or rotation failed (the entry is lost; later appends still try). */
  readonly onError: (error: Error) => void;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export class JsonLinesFile {
  readonly path: string;
  readonly rotatedPath: string;
  private readonly maxBytes: number;
  private readonly fs: AppendOnlyFileSystem;
  private readonly onError: (error: Error) => void;
  /** Bytes in the current file; null until read from disk (or after a failure). */
  private size: number | null = null;
  private tail: Promise<void> = Promise.resolve();

  constructor(options: JsonLinesFileOptions) {
    this.path = options.path;
    this.rotatedPath = `${options.path}.1`;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.fs = options.fs ?? nodeAppendOnlyFileSystem;
    this.onError = options.onError;
  }

  /** Queue one value as one line. Serialized now, so later mutation of `value` does not matter. */
  append(value: unknown): void {
    const line = `${JSON.stringify(value)}\n`;
    this.tail = this.tail.then(() => this.write(line));
  }

  /** Resolves once every append queued so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(line: string): Promise<void> {
    const bytes = Buffer.byteLength(line);
    try {
      this.size ??= await this.fs.size(this.path);
      if (this.size > 0 && this.size + bytes > this.maxBytes) {
        await this.fs.rename(this.path, this.rotatedPath);
        this.size = 0;
      }
      await this.fs.appendFile(this.path, line);
      this.size += bytes;
    } catch (error) {
      this.size = null;
      this.onError(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
