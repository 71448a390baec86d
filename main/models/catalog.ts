/**
 * The model library: every GGUF model on this machine with its metadata and
 * a stable id, plus the files that could not be used and why.
 *
 * scan.ts finds the files; this reads each one's header (gguf-metadata.ts)
 * with bounded concurrency and a timeout, so a slow disk or a damaged file
 * cannot stall the list. Metadata is cached per file identity, size and
 * modification time: a rescan only reads files that are new or changed.
 */
import { mapWithLimit } from './map-with-limit.js';
import { assignModelIds } from './model-ids.js';
import { readModelMetadata, type ModelMetadata } from './gguf-metadata.js';
import { scanModelFiles, type FoundModel, type ModelSource, type RootStatus, type SkippedEntry } from './scan.js';
import type { ScanFs } from './scan-fs.js';
import type { ModelRoots } from './sources.js';

export interface CatalogModel {
  readonly id: string;
  readonly displayName: string;
  readonly files: readonly string[];
  readonly sizeBytes: number;
  readonly sources: readonly ModelSource[];
  readonly metadata: ModelMetadata;
}

/** A file that looks like a model but cannot be used. */
export interface BrokenModel {
  readonly displayName: string;
  readonly files: readonly string[];
  readonly sizeBytes: number;
  readonly sources: readonly ModelSource[];
  readonly reason: string;
}

export interface ModelCatalog {
  readonly models: readonly CatalogModel[];
  readonly broken: readonly BrokenModel[];
  /** Folders and entries the scan could not look at. */
  readonly skipped: readonly SkippedEntry[];
  readonly roots: readonly RootStatus[];
  readonly scannedAt: number;
}

export type MetadataReader = (files: readonly string[], options: { readonly timeoutMs: number }) => Promise<ModelMetadata>;

export interface CatalogOptions {
  readonly roots: ModelRoots;
  readonly fs?: ScanFs;
  /** Headers read at once. Default 2 (this is disk-bound, and the machine may be busy serving). */
  readonly concurrency?: number;
  /** Per-file limit for reading a header. Default 30 s. */
  readonly metadataTimeoutMs?: number;
  readonly readMetadata?: MetadataReader;
  readonly now?: () => number;
}

export interface ModelCatalogService {
  /** Scan every root again (reusing cached metadata for unchanged files). */
  scan(): Promise<ModelCatalog>;
  /** The last scan's result, if any. */
  latest(): ModelCatalog | undefined;
}

type MetadataResult = { readonly ok: true; readonly metadata: ModelMetadata } | { readonly ok: false; readonly reason: string };

export function createModelCatalog(options: CatalogOptions): ModelCatalogService {
  const readMetadata: MetadataReader = options.readMetadata ?? ((files, readOptions) => readModelMetadata(files, readOptions));
  const now = options.now ?? Date.now;
  const cache = new Map<string, MetadataResult>();
  let last: ModelCatalog | undefined;
  let running: Promise<ModelCatalog> | undefined;

  const keyOf = (found: FoundModel) => `${found.identity}|${found.sizeBytes}|${found.mtimeMs}|${found.files.length}`;
  const read = async (found: FoundModel): Promise<MetadataResult> => {
    const key = keyOf(found);
    const cached = cache.get(key);
    if (cached) return cached;
    let result: MetadataResult;
    try {
      result = { ok: true, metadata: await readMetadata(found.files, { timeoutMs: options.metadataTimeoutMs ?? 30_000 }) };
    } catch (error) {
      result = { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
    cache.set(key, result);
    return result;
  };

  const scan = async (): Promise<ModelCatalog> => {
    const found = await scanModelFiles({ roots: options.roots, ...(options.fs ? { fs: options.fs } : {}) });
    const results = await mapWithLimit(found.models, options.concurrency ?? 2, read);
    // Forget files that are gone or changed, so the cache does not grow forever.
    const current = new Set(found.models.map(keyOf));
    for (const key of cache.keys()) if (!current.has(key)) cache.delete(key);

    const usable: { found: FoundModel; metadata: ModelMetadata }[] = [];
    const broken: BrokenModel[] = [];
    found.models.forEach((model, index) => {
      const result = results[index]!;
      if (result.ok) usable.push({ found: model, metadata: result.metadata });
      else broken.push({ displayName: model.displayName, files: model.files, sizeBytes: model.sizeBytes, sources: model.sources, reason: result.reason });
    });

    const ids = assignModelIds(
      usable.map(({ found: model }) => ({
        displayName: model.displayName,
        canonicalPath: model.files[0]!,
        sourceKinds: model.sources.map((source) => source.kind),
      })),
    );
    const models = usable
      .map(({ found: model, metadata }, index) => ({
        id: ids[index]!,
        displayName: model.displayName,
        files: model.files,
        sizeBytes: model.sizeBytes,
        sources: model.sources,
        metadata,
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
    last = { models, broken, skipped: found.skipped, roots: found.roots, scannedAt: now() };
    return last;
  };

  return {
    scan() {
      // Concurrent callers share one scan.
      running ??= scan().finally(() => {
        running = undefined;
      });
      return running;
    },
    latest: () => last,
  };
}
