/**
 * Find GGUF model files in every known place (sources.ts) and return one list
 * without duplicates. The same file reached twice (a symlink, a hard link, two
 * HF snapshots sharing a blob, a folder added twice) is one model that
 * remembers all the places it was found. Split GGUFs
 * (`name-00001-of-00003.gguf`) are one model made of their parts.
 *
 * The scan never throws for what it finds on disk: unreadable folders,
 * symlink loops, broken links and bad manifests are returned in `skipped`
 * with a reason. It is bounded in depth and in entries visited, and follows a
 * directory only once (by device + inode), so a symlink loop cannot make it spin.
 * Reading each file's metadata is catalog.ts's job.
 */
import { basename, dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import { describeFsError, errorCode, nodeScanFs, type ScanFs, type ScanStats } from './scan-fs.js';
import { SOURCE_KINDS, type ModelRoots, type SourceKind } from './sources.js';

/** One place a model was found. */
export interface ModelSource {
  readonly kind: SourceKind;
  /** The path as found (the symlink, the manifest), not the resolved blob. */
  readonly path: string;
  /** `ORG/NAME` (Hugging Face), `publisher/repo` (LM Studio), `name:tag` (Ollama). */
  readonly repo?: string;
  /** Hugging Face snapshot (commit) the file is in. */
  readonly revision?: string;
}

export interface FoundModel {
  /** `dev:ino` of the (first) file: the identity used to merge duplicates. */
  readonly identity: string;
  /** Resolved paths of the file, or of every part in order. */
  readonly files: readonly string[];
  /** The name people know it by: the file name as found, or `name:tag` for Ollama. Ids derive from it. */
  readonly displayName: string;
  readonly sizeBytes: number;
  /** Latest modification time over the parts (for metadata caching). */
  readonly mtimeMs: number;
  readonly sources: readonly ModelSource[];
}

export interface SkippedEntry {
  readonly path: string;
  readonly kind: 'file' | 'folder' | 'manifest';
  readonly reason: string;
}

export interface RootStatus {
  readonly kind: SourceKind;
  readonly path: string;
  readonly status: 'scanned' | 'missing' | 'failed';
  readonly detail?: string;
}

export interface ScanResult {
  readonly models: readonly FoundModel[];
  readonly skipped: readonly SkippedEntry[];
  readonly roots: readonly RootStatus[];
}

export interface ScanOptions {
  readonly roots: ModelRoots;
  readonly fs?: ScanFs;
  /** Folder levels below a root. Default 8. */
  readonly maxDepth?: number;
  /** Directory entries visited over the whole scan before it stops. Default 200 000. */
  readonly maxEntries?: number;
  readonly signal?: AbortSignal;
}

const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
const GGUF = /\.gguf$/i;
const OLLAMA_MODEL_LAYER = 'application/vnd.ollama.image.model';

const ollamaManifestSchema = z.object({
  layers: z.array(z.object({ mediaType: z.string(), digest: z.string(), size: z.number().optional() })),
});

/** A .gguf file (or Ollama blob) seen by the walk, before grouping. */
interface Candidate {
  readonly path: string;
  readonly stats: ScanStats;
  readonly realPath: string;
  readonly source: ModelSource;
  readonly displayName: string;
}

class ScanState {
  readonly candidates: Candidate[] = [];
  readonly skipped: SkippedEntry[] = [];
  readonly roots: RootStatus[] = [];
  readonly visitedDirs = new Set<string>();
  entries = 0;
  limitReported = false;

  constructor(
    readonly fs: ScanFs,
    readonly maxDepth: number,
    readonly maxEntries: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** False once the entry budget is spent or the scan was aborted. */
  budgetLeft(at: string): boolean {
    if (this.signal?.aborted) return false;
    if (this.entries < this.maxEntries) return true;
    if (!this.limitReported) {
      this.limitReported = true;
      this.skipped.push({ path: at, kind: 'folder', reason: `scan stopped after ${this.maxEntries} entries` });
    }
    return false;
  }
}

/** Walk every root and return the models found, deduplicated, plus what was skipped and why. */
export async function scanModelFiles(options: ScanOptions): Promise<ScanResult> {
  const state = new ScanState(options.fs ?? nodeScanFs, options.maxDepth ?? 8, options.maxEntries ?? 200_000, options.signal);
  const { roots } = options;

  if (roots.dataDirModels) await scanFolderRoot(state, roots.dataDirModels, 'data-dir');
  for (const folder of roots.extraFolders) await scanFolderRoot(state, folder, 'folder');
  for (const folder of roots.servedFolders ?? []) await scanFolderRoot(state, folder, 'served');
  for (const root of roots.lmStudio) await scanFolderRoot(state, root, 'lmstudio');
  if (roots.hfHubCache) await scanHuggingFaceCache(state, roots.hfHubCache);
  for (const root of roots.ollama) await scanOllama(state, root);

  const { models, skipped } = groupCandidates(state.candidates);
  return { models, skipped: [...state.skipped, ...skipped], roots: state.roots };
}

/** Is the root there? Missing roots are normal (LM Studio not installed…), not errors. */
async function openRoot(state: ScanState, path: string, kind: SourceKind): Promise<boolean> {
  try {
    const stats = await state.fs.stat(path);
    if (!stats.isDirectory()) {
      state.roots.push({ kind, path, status: 'failed', detail: 'not a folder' });
      return false;
    }
    return true;
  } catch (error) {
    const missing = errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';
    state.roots.push({ kind, path, status: missing ? 'missing' : 'failed', ...(missing ? {} : { detail: describeFsError(error) }) });
    return false;
  }
}

async function scanFolderRoot(state: ScanState, root: string, kind: SourceKind): Promise<void> {
  if (!(await openRoot(state, root, kind))) return;
  state.roots.push({ kind, path: root, status: 'scanned' });
  await walk(state, root, 0, (path) => {
    const rel = relative(root, dirname(path)).split(sep).filter(Boolean);
    // LM Studio: publisher/repo/file.gguf
    const repo = kind === 'lmstudio' && rel.length >= 2 ? `${rel[0]}/${rel[1]}` : undefined;
    return { kind, path, ...(repo ? { repo } : {}) };
  });
}

/**
 * Visit a folder and its subfolders, recording .gguf files. Folders are
 * identified by device + inode, so each is read once however many links
 * lead to it; a second visit is reported as a loop or duplicate link.
 */
async function walk(state: ScanState, dir: string, depth: number, sourceOf: (path: string) => ModelSource): Promise<void> {
  if (!state.budgetLeft(dir)) return;
  let identity: string;
  try {
    const stats = await state.fs.stat(dir);
    identity = `${stats.dev}:${stats.ino}`;
  } catch (error) {
    state.skipped.push({ path: dir, kind: 'folder', reason: describeFsError(error) });
    return;
  }
  if (state.visitedDirs.has(identity)) {
    state.skipped.push({ path: dir, kind: 'folder', reason: 'already scanned through another path (symlink loop or duplicate link)' });
    return;
  }
  state.visitedDirs.add(identity);

  let entries;
  try {
    entries = await state.fs.readdir(dir);
  } catch (error) {
    state.skipped.push({ path: dir, kind: 'folder', reason: `cannot list: ${describeFsError(error)}` });
    return;
  }
  for (const entry of entries) {
    state.entries += 1;
    if (!state.budgetLeft(dir)) return;
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = await state.fs.stat(path);
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch (error) {
        if (isDir || GGUF.test(entry.name) || errorCode(error) === 'ELOOP') {
          state.skipped.push({ path, kind: 'file', reason: describeFsError(error) });
        }
        continue;
      }
    }
    if (isDir) {
      if (entry.name.startsWith('.')) continue; // .git, .cache, LM Studio's .internal…
      if (depth + 1 > state.maxDepth) {
        state.skipped.push({ path, kind: 'folder', reason: `deeper than ${state.maxDepth} levels` });
        continue;
      }
      await walk(state, path, depth + 1, sourceOf);
    } else if (GGUF.test(entry.name)) {
      if (!isFile) {
        state.skipped.push({ path, kind: 'file', reason: 'not a regular file' });
        continue;
      }
      await addCandidate(state, path, sourceOf(path), entry.name);
    }
  }
}

async function addCandidate(state: ScanState, path: string, source: ModelSource, displayName: string): Promise<void> {
  try {
    const [stats, realPath] = await Promise.all([state.fs.stat(path), state.fs.realpath(path)]);
    if (!stats.isFile()) {
      state.skipped.push({ path, kind: 'file', reason: 'not a regular file' });
      return;
    }
    state.candidates.push({ path, stats, realPath, source, displayName });
  } catch (error) {
    state.skipped.push({ path, kind: 'file', reason: describeFsError(error) });
  }
}

/** `models--ORG--NAME/snapshots/REV/**.gguf`; datasets and spaces are ignored. */
async function scanHuggingFaceCache(state: ScanState, root: string): Promise<void> {
  if (!(await openRoot(state, root, 'hf-cache'))) return;
  state.roots.push({ kind: 'hf-cache', path: root, status: 'scanned' });
  let repos;
  try {
    repos = await state.fs.readdir(root);
  } catch (error) {
    state.skipped.push({ path: root, kind: 'folder', reason: `cannot list: ${describeFsError(error)}` });
    return;
  }
  for (const repoEntry of repos) {
    if (!repoEntry.name.startsWith('models--')) continue;
    const [org, ...name] = repoEntry.name.slice('models--'.length).split('--');
    const repo = name.length ? `${org}/${name.join('--')}` : (org ?? repoEntry.name);
    const snapshots = join(root, repoEntry.name, 'snapshots');
    let revisions;
    try {
      revisions = await state.fs.readdir(snapshots);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') state.skipped.push({ path: snapshots, kind: 'folder', reason: `cannot list: ${describeFsError(error)}` });
      continue;
    }
    for (const revision of revisions) {
      const dir = join(snapshots, revision.name);
      await walk(state, dir, 1, (path) => ({ kind: 'hf-cache', path, repo, revision: revision.name }));
    }
  }
}

/** `manifests/<registry>/<namespace>/<name>/<tag>` → the blob of the manifest's model layer. */
async function scanOllama(state: ScanState, root: string): Promise<void> {
  if (!(await openRoot(state, root, 'ollama'))) return;
  state.roots.push({ kind: 'ollama', path: root, status: 'scanned' });
  const manifestsRoot = join(root, 'manifests');
  const manifests: string[] = [];
  await collectFiles(state, manifestsRoot, 0, manifests);
  for (const manifest of manifests) {
    const parts = relative(manifestsRoot, manifest).split(sep);
    if (parts.length < 4) continue;
    const [registry, namespace, ...rest] = parts;
    const tag = rest.pop()!;
    const name = rest.join('/');
    const shortName = registry === 'registry.ollama.ai' && namespace === 'library' ? name : `${registry}/${namespace}/${name}`;
    const repo = `${shortName}:${tag}`;
    let layer;
    try {
      const parsed = ollamaManifestSchema.safeParse(JSON.parse(await state.fs.readText(manifest)));
      if (!parsed.success) throw new Error('not an Ollama manifest');
      layer = parsed.data.layers.find((candidate) => candidate.mediaType === OLLAMA_MODEL_LAYER);
    } catch (error) {
      state.skipped.push({ path: manifest, kind: 'manifest', reason: `unreadable manifest: ${describeFsError(error)}` });
      continue;
    }
    if (!layer) {
      state.skipped.push({ path: manifest, kind: 'manifest', reason: 'manifest has no model layer' });
      continue;
    }
    const digest = /^sha256[:-]([0-9a-f]{64})$/i.exec(layer.digest);
    if (!digest) {
      state.skipped.push({ path: manifest, kind: 'manifest', reason: `unexpected digest ${layer.digest}` });
      continue;
    }
    const blob = join(root, 'blobs', `sha256-${digest[1]}`);
    await addCandidate(state, blob, { kind: 'ollama', path: manifest, repo }, repo);
  }
}

/** Every file under `dir` (manifests), bounded like `walk`. */
async function collectFiles(state: ScanState, dir: string, depth: number, into: string[]): Promise<void> {
  if (!state.budgetLeft(dir) || depth > state.maxDepth) return;
  let entries;
  try {
    entries = await state.fs.readdir(dir);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') state.skipped.push({ path: dir, kind: 'folder', reason: `cannot list: ${describeFsError(error)}` });
    return;
  }
  for (const entry of entries) {
    state.entries += 1;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await collectFiles(state, path, depth + 1, into);
    else if (entry.isFile()) into.push(path);
  }
}

/**
 * Merge candidates that are the same file, then join split parts. A split
 * model's identity is its first part; its parts are grouped by the folder and
 * name they were found under (HF snapshots name symlinks, not blobs).
 */
function groupCandidates(candidates: readonly Candidate[]): { models: FoundModel[]; skipped: SkippedEntry[] } {
  const skipped: SkippedEntry[] = [];
  const splitGroups = new Map<string, { total: number; parts: Map<number, Candidate>; display: string }>();
  const singles: Candidate[] = [];

  for (const candidate of candidates) {
    const split = candidate.source.kind === 'ollama' ? null : SPLIT_PART.exec(basename(candidate.path));
    if (!split) {
      singles.push(candidate);
      continue;
    }
    const [, prefix, index, total] = split;
    const key = `${dirname(candidate.path)}\u0000${prefix}\u0000${total}`;
    const group = splitGroups.get(key) ?? { total: Number(total), parts: new Map(), display: `${prefix}.gguf` };
    group.parts.set(Number(index), candidate);
    splitGroups.set(key, group);
  }

  const byIdentity = new Map<string, FoundModel>();
  const add = (model: FoundModel) => {
    const existing = byIdentity.get(model.identity);
    if (!existing) {
      byIdentity.set(model.identity, model);
      return;
    }
    const known = new Set(existing.sources.map((source) => `${source.kind}\u0000${source.path}`));
    const sources = [...existing.sources, ...model.sources.filter((source) => !known.has(`${source.kind}\u0000${source.path}`))];
    byIdentity.set(model.identity, { ...existing, sources });
  };

  // The first candidate of a merged file names it: the best source, a real file over a symlink, the shallowest path.
  singles.sort(preferredFirst);
  for (const candidate of singles) {
    add({
      identity: identityOf(candidate.stats),
      files: [candidate.realPath],
      displayName: candidate.displayName,
      sizeBytes: candidate.stats.size,
      mtimeMs: candidate.stats.mtimeMs,
      sources: [candidate.source],
    });
  }
  for (const group of splitGroups.values()) {
    const ordered: Candidate[] = [];
    const missing: number[] = [];
    for (let index = 1; index <= group.total; index += 1) {
      const part = group.parts.get(index);
      if (part) ordered.push(part);
      else missing.push(index);
    }
    const first = ordered[0] ?? [...group.parts.values()][0]!;
    if (missing.length) {
      skipped.push({ path: first.path, kind: 'file', reason: `split GGUF is missing part(s) ${missing.join(', ')} of ${group.total}` });
      continue;
    }
    add({
      identity: identityOf(first.stats),
      files: ordered.map((part) => part.realPath),
      displayName: group.display,
      sizeBytes: ordered.reduce((sum, part) => sum + part.stats.size, 0),
      mtimeMs: Math.max(...ordered.map((part) => part.stats.mtimeMs)),
      sources: [first.source],
    });
  }
  return { models: [...byIdentity.values()], skipped };
}

function preferredFirst(a: Candidate, b: Candidate): number {
  const rank = (candidate: Candidate) => SOURCE_KINDS.indexOf(candidate.source.kind);
  const linked = (candidate: Candidate) => (candidate.path === candidate.realPath ? 0 : 1);
  const depth = (candidate: Candidate) => candidate.path.split(sep).length;
  return rank(a) - rank(b) || linked(a) - linked(b) || depth(a) - depth(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

function identityOf(stats: ScanStats): string {
  return `${stats.dev}:${stats.ino}`;
}
