import { realpath } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelCatalog, type ModelCatalog } from '../../main/models/catalog.js';
import { assignModelIds, slugOf } from '../../main/models/model-ids.js';
import type { ModelMetadata } from '../../main/models/gguf-metadata.js';
import { buildLibrary, type Library } from './fixtures/library.js';

let library: Library;
let catalog: ModelCatalog;

beforeAll(async () => {
  library = await buildLibrary();
  catalog = await createModelCatalog({ roots: library.roots }).scan();
});
afterAll(async () => {
  await library?.cleanup();
});

describe('model catalog', () => {
  it('reads metadata of every usable model and gives each a unique, stable id', async () => {
    const ids = catalog.models.map((model) => model.id);
    expect(new Set(ids).size).toBe(ids.length);
    const own = catalog.models.find((model) => model.files[0] === library.paths.model || model.id === 'stories260k')!;
    expect(own.id).toBe('stories260k');
    expect(own.files[0]).toBe(await realpath(library.paths.model));
    expect(own.metadata).toMatchObject({ architecture: 'llama', layers: 5, trainedContext: 2048 });
    const ollama = catalog.models.find((model) => model.sources[0]?.kind === 'ollama')!;
    expect(ollama.id).toBe('stories-260k');
    // Same file name in LM Studio and the HF cache: suffixed ids, made from each file's own path.
    const others = catalog.models.filter((model) => model.displayName === 'stories260K.gguf' && model.id !== 'stories260k');
    expect(others).toHaveLength(2);
    for (const model of others) expect(model.id).toMatch(/^stories260k-[0-9a-f]{6}$/);
  });

  it('lists the corrupt, truncated and mis-split files as broken, each with a reason', async () => {
    const reasonFor = async (path: string) => {
      const real = await realpath(path);
      return catalog.broken.find((entry) => entry.files[0] === real)?.reason;
    };
    expect(await reasonFor(library.paths.corrupt)).toMatch(/Not a GGUF file/);
    expect(await reasonFor(library.paths.truncated)).toMatch(/truncated|damaged/i);
    expect(await reasonFor(library.paths.splitPart1)).toMatch(/Split GGUF|part/i);
    expect(catalog.models.some((model) => model.displayName === 'corrupt.gguf')).toBe(false);
  });

  it('passes the scan\'s skipped folders and loops through', () => {
    expect(catalog.skipped.some((entry) => entry.path === library.paths.loop)).toBe(true);
  });

  it('reads each file once: a rescan reuses metadata for unchanged files', async () => {
    let reads = 0;
    const service = createModelCatalog({
      roots: library.roots,
      readMetadata: async (files) => {
        reads += 1;
        return { architecture: 'llama', layers: files.length } as unknown as ModelMetadata;
      },
    });
    const first = await service.scan();
    const afterFirst = reads;
    expect(afterFirst).toBe(first.models.length + first.broken.length);
    const second = await service.scan();
    expect(reads).toBe(afterFirst);
    expect(second.models.map((model) => model.id)).toEqual(first.models.map((model) => model.id));
    expect(service.latest()).toBe(second);
  });

  it('never throws and never waits forever: a reader that hangs is cut by the timeout', async () => {
    const service = createModelCatalog({
      roots: { ...library.roots, hfHubCache: null, lmStudio: [], ollama: [] },
      metadataTimeoutMs: 50,
      readMetadata: (_files, { timeoutMs }) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)),
    });
    const result = await service.scan();
    expect(result.models).toEqual([]);
    expect(result.broken.length).toBeGreaterThan(0);
    expect(result.broken.every((entry) => entry.reason === 'timed out after 50 ms')).toBe(true);
  });
});

describe('model ids', () => {
  it('slugs file names and Ollama names', () => {
    expect(slugOf('Llama-3.1-8B-Instruct-Q4_K_M.gguf')).toBe('llama-3.1-8b-instruct-q4_k_m');
    expect(slugOf('llama3.2:3b')).toBe('llama3.2-3b');
  });

  it('keeps the plain slug for the preferred source, and does not renumber when files come and go', () => {
    const a = { displayName: 'm.gguf', canonicalPath: '/hf/blob-a', sourceKinds: ['hf-cache' as const] };
    const b = { displayName: 'm.gguf', canonicalPath: '/data/models/m.gguf', sourceKinds: ['data-dir' as const] };
    const c = { displayName: 'M.gguf', canonicalPath: '/lm/m.gguf', sourceKinds: ['lmstudio' as const] };
    const [idA, idB, idC] = assignModelIds([a, b, c]);
    expect(idB).toBe('m');
    expect(idA).toMatch(/^m-[0-9a-f]{6}$/);
    expect(idC).toMatch(/^m-[0-9a-f]{6}$/);
    expect(idA).not.toBe(idC);
    // Remove the LM Studio copy: the others keep their ids.
    expect(assignModelIds([a, b])).toEqual([idA, idB]);
  });
});
