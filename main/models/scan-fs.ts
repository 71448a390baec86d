/**
 * The file-system calls the model scan makes, as an interface so tests can
 * make one folder fail (EACCES cannot be produced with chmod when the tests
 * run as root) or count the calls.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';

export interface ScanDirent {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

export interface ScanStats {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

export interface ScanFs {
  readdir(path: string): Promise<readonly ScanDirent[]>;
  /** Follows symlinks. */
  stat(path: string): Promise<ScanStats>;
  realpath(path: string): Promise<string>;
  readText(path: string): Promise<string>;
}

export const nodeScanFs: ScanFs = {
  readdir: (path) => readdir(path, { withFileTypes: true }),
  stat: (path) => stat(path),
  realpath: (path) => realpath(path),
  readText: (path) => readFile(path, 'utf8'),
};

/** `ENOENT`, `EACCES`… from a Node fs error, or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** A short human reason for an fs failure. */
export function describeFsError(error: unknown): string {
  switch (errorCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symlink loop (too many levels of symbolic links)';
    case 'ENOENT':
      return 'does not exist (broken symlink?)';
    case 'ENOTDIR':
      return 'not a folder';
    case 'EIO':
      return 'I/O error';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
