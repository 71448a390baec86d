/**
 * What became of a folder the user added, read from the scan that followed:
 * how many models it holds, or why Homeport could not read it, in words that
 * say what to do. Pure: the folder and the library in, a tone and words out.
 */
import type { LibraryView } from '../../../preload/contract.js';

export interface FolderOutcome {
  readonly tone: 'ok' | 'warn' | 'bad';
  /** Short, for a badge next to the folder. */
  readonly label: string;
  /** A sentence for the user, ending in what to do when something is wrong. */
  readonly message: string;
}

/** The outcome of `folder` in the last scan; null when that scan did not look at it (yet). */
export function folderOutcome(folder: string, library: LibraryView | null): FolderOutcome | null {
  const root = library?.roots.find((r) => r.kind === 'folder' && samePath(r.path, folder));
  if (!root || !library) return null;
  if (root.status === 'scanned') {
    const inside = library.models.filter((m) => m.files.some((file) => isInside(file, root.path))).length;
    return inside > 0
      ? { tone: 'ok', label: `${inside} ${inside === 1 ? 'model' : 'models'}`, message: `Found ${inside} ${inside === 1 ? 'model' : 'models'} in ${folder}. ${inside === 1 ? 'It is' : 'They are'} in My models.` }
      : { tone: 'warn', label: 'no models', message: `${folder} was scanned, but holds no .gguf model files (its subfolders included). Put your .gguf files there, then press Scan again.` };
  }
  if (root.status === 'missing') {
    return {
      tone: 'bad',
      label: 'not found',
      message: `Homeport cannot find ${folder}. Check the spelling and that it is the full path of a folder on this computer (like /home/you/models) on a drive that is mounted, then remove it and add it again.`,
    };
  }
  const detail = root.detail ?? 'it could not be read';
  if (/permission/i.test(detail)) {
    return {
      tone: 'bad',
      label: 'cannot read',
      message: `Homeport cannot read ${folder} (permission denied). Give the user Homeport runs as read access to it (for example \`chmod -R a+rX ${folder}\`), then press Scan again.`,
    };
  }
  if (/not a folder/i.test(detail)) {
    return { tone: 'bad', label: 'not a folder', message: `${folder} is a file, not a folder. Remove it and add the folder that holds your .gguf files instead.` };
  }
  return { tone: 'bad', label: 'cannot read', message: `Homeport cannot read ${folder} (${detail}). Check the folder and its drive, then press Scan again.` };
}

function trimSlashes(path: string): string {
  return path.length > 1 ? path.replace(/[\\/]+$/, '') : path;
}

function samePath(a: string, b: string): boolean {
  return trimSlashes(a) === trimSlashes(b);
}

function isInside(file: string, folder: string): boolean {
  const base = trimSlashes(folder);
  return file.startsWith(`${base}/`) || file.startsWith(`${base}\\`);
}
