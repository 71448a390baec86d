/**
 * One row per model on the Models page: what the engine serves (with its load
 * state) joined with what the library knows of the file (metadata, fit,
 * measured or predicted figures). Library files the engine does not serve
 * are rows too. Pure.
 */
import type { LibraryView, ModelView } from '../../../preload/contract.js';

type LibraryModel = LibraryView['models'][number];

export interface ModelRow {
  readonly id: string;
  readonly name: string;
  readonly served: ModelView | null;
  readonly library: LibraryModel | null;
  readonly sizeBytes: number | null;
  readonly quant: string | null;
  readonly contextLength: number | null;
  readonly runtime: string | null;
}

/** A file name reads as a model name without its extension. */
export function displayName(name: string): string {
  return name.replace(/\.gguf$/i, '');
}

export function modelRows(served: readonly ModelView[] | null, library: LibraryView | null): ModelRow[] {
  const byId = new Map((library?.models ?? []).map((m) => [m.id, m]));
  const rows: ModelRow[] = (served ?? []).map((model) => {
    const lib = byId.get(model.id) ?? null;
    byId.delete(model.id);
    return {
      id: model.id,
      name: lib ? displayName(lib.displayName) : model.id,
      served: model,
      library: lib,
      sizeBytes: model.sizeBytes ?? lib?.sizeBytes ?? null,
      quant: lib?.metadata.fileType ?? null,
      contextLength: model.contextLength ?? lib?.metadata.trainedContext ?? null,
      runtime: model.runtime,
    };
  });
  for (const lib of byId.values()) {
    rows.push({ id: lib.id, name: displayName(lib.displayName), served: null, library: lib, sizeBytes: lib.sizeBytes, quant: lib.metadata.fileType, contextLength: lib.metadata.trainedContext, runtime: null });
  }
  return rows;
}

/** Text filter over name, id, quant and runtime. */
export function filterRows(rows: readonly ModelRow[], query: string): ModelRow[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...rows];
  return rows.filter((r) => [r.name, r.id, r.quant ?? '', r.runtime ?? '', ...(r.served?.aliases ?? [])].some((text) => text.toLowerCase().includes(q)));
}
