import { realpath } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanModelFiles, type ScanResult } from '../../main/models/scan.js';
import { nodeScanFs, type ScanFs } from '../../main/models/scan-fs.js';
import { buildLibrary, canListLockedFolder, type Library } from './fixtures/library.js';

let library: Library;
let result: ScanResult;

beforeAll(async () => {
  library = await buildLibrary();
  result = await scanModelFiles({ roots: library.roots });
});
afterAll(async () => {
  await library?.cleanup();
});

const byFile = (path: string) => result.models.find((model) => model.files[0] === path);

describe('scanModelFiles', () => {
  it('lists the same file reached through a symlink and a hard link once, with every source', async () => {
    const model = byFile(await realpath(library.paths.model))!;
    expect(model).toBeDefined();
    expect(model.displayName).toBe('stories260K.gguf');
    expect(model.sizeBytes).toBe(1185376);
    expect(model.sources.map((source) => source.path).sort()).toEqual([library.paths.symlink, library.paths.hardLink, library.paths.model].sort());
    expect(model.sources.every((source) => source.kind === 'data-dir')).toBe(true);
  });

  it('reads the Hugging Face cache: snapshot symlinks into one blob are one model with two revisions', async () => {
    const model = byFile(await realpath(library.paths.hfBlob))!;
    expect(model).toBeDefined();
    expect(model.displayName).toBe('stories260K.gguf');
    expect(model.sources.map((source) => [source.kind, source.repo, source.revision])).toEqual([
      ['hf-cache', 'ggml-org/tiny-llamas', 'aaaa1111'],
      ['hf-cache', 'ggml-org/tiny-llamas', 'bbbb2222'],
    ]);
  });

  it('reads LM Studio publisher/repo/file.gguf', async () => {
    const model = byFile(await realpath(library.paths.lmStudioModel))!;
    expect(model.sources).toEqual([{ kind: 'lmstudio', path: library.paths.lmStudioModel, repo: 'karpathy/tinyllamas' }]);
  });

  it('reads Ollama manifests to their model blob, and reports a damaged manifest', async () => {
    const model = byFile(await realpath(library.paths.ollamaBlob))!;
    expect(model.displayName).toBe('stories:260k');
    expect(model.sources[0]).toMatchObject({ kind: 'ollama', repo: 'stories:260k' });
    expect(result.skipped).toContainEqual(expect.objectContaining({ path: library.paths.badManifest, kind: 'manifest', reason: expect.stringMatching(/unreadable manifest/) }));
  });

  it('joins split parts into one model with the summed size, and reports a split with a missing part', () => {
    const split = result.models.find((model) => model.displayName === 'split-model.gguf')!;
    expect(split.files).toHaveLength(2);
    expect(split.sizeBytes).toBe(2 * 1185376);
    expect(result.skipped).toContainEqual(expect.objectContaining({ reason: 'split GGUF is missing part(s) 2, 3 of 3' }));
  });

  it('survives a directory symlink loop and a self-referencing symlink, reporting both', () => {
    expect(result.skipped).toContainEqual(expect.objectContaining({ path: library.paths.loop, reason: expect.stringMatching(/already scanned/) }));
    expect(result.skipped).toContainEqual(expect.objectContaining({ path: library.paths.selfLink, reason: expect.stringMatching(/symlink loop/) }));
  });

  it('lists corrupt and truncated .gguf files as candidates (their headers are judged by the catalog)', async () => {
    expect(byFile(await realpath(library.paths.corrupt))).toBeDefined();
    expect(byFile(await realpath(library.paths.truncated))).toBeDefined();
  });

  it('reports which roots were scanned and which are missing', () => {
    expect(result.roots).toContainEqual({ kind: 'lmstudio', path: library.roots.lmStudio[1], status: 'missing' });
    expect(result.roots.filter((root) => root.status === 'scanned').map((root) => root.kind).sort()).toEqual(['data-dir', 'hf-cache', 'lmstudio', 'ollama']);
  });

  it('an unreadable folder (chmod 000): skipped with a reason, unless this process is root', async () => {
    const inLocked = result.models.some((model) => model.sources.some((source) => source.path === library.paths.lockedModel));
    const skippedLocked = result.skipped.some((entry) => entry.path === library.paths.locked && /permission denied/.test(entry.reason));
    if (await canListLockedFolder(library.paths.locked)) {
      // Root ignores the mode bits: the folder is readable and its model is listed. The next test injects the failure.
      expect(process.getuid?.()).toBe(0);
      expect(inLocked).toBe(true);
      expect(skippedLocked).toBe(false);
    } else {
      expect(inLocked).toBe(false);
      expect(skippedLocked).toBe(true);
    }
  });

  it('an unreadable folder (injected EACCES, as root cannot be denied by chmod): skipped with a reason', async () => {
    const denying: ScanFs = {
      ...nodeScanFs,
      readdir: async (path) => {
        if (path === library.paths.locked) throw Object.assign(new Error(`EACCES: permission denied, scandir '${path}'`), { code: 'EACCES' });
        return nodeScanFs.readdir(path);
      },
    };
    const denied = await scanModelFiles({ roots: library.roots, fs: denying });
    expect(denied.skipped).toContainEqual({ path: library.paths.locked, kind: 'folder', reason: 'cannot list: permission denied' });
    expect(denied.models.some((model) => model.sources.some((source) => source.path === library.paths.lockedModel))).toBe(false);
    expect(denied.models.length).toBe(result.models.length - (result.models.some((m) => m.sources.some((s) => s.path === library.paths.lockedModel)) ? 1 : 0));
  });

  it('stops at the entry budget instead of walking forever', async () => {
    const bounded = await scanModelFiles({ roots: library.roots, maxEntries: 3 });
    expect(bounded.skipped).toContainEqual(expect.objectContaining({ reason: 'scan stopped after 3 entries' }));
  });

  it('finds nothing, without errors, when no root exists', async () => {
    const empty = await scanModelFiles({
      roots: { dataDirModels: '/nonexistent/homeport/models', extraFolders: [], hfHubCache: '/nonexistent/hf', lmStudio: [], ollama: ['/nonexistent/ollama'] },
    });
    expect(empty.models).toEqual([]);
    expect(empty.skipped).toEqual([]);
    expect(empty.roots.every((root) => root.status === 'missing')).toBe(true);
  });
});

describe('folders of served models', () => {
  it('are scanned as "served", apart from folders the user added, and listed once when also scanned as something else', async () => {
    const { defaultModelRoots } = await import('../../main/models/sources.js');
    const roots = defaultModelRoots({
      dataDir: '/data',
      extraFolders: ['/mine'],
      servedFolders: ['/mine', '/data/models', '/opt/app/demo'],
      env: {},
      home: '/nonexistent-home',
      os: 'linux',
    });
    expect(roots.extraFolders).toEqual(['/mine']);
    expect(roots.servedFolders).toEqual(['/opt/app/demo']);
    const dataDirModels = library.roots.dataDirModels!;
    const served = await scanModelFiles({ roots: { dataDirModels: null, extraFolders: [], servedFolders: [dataDirModels], hfHubCache: null, lmStudio: [], ollama: [] } });
    expect(served.roots).toEqual([expect.objectContaining({ kind: 'served', path: dataDirModels, status: 'scanned' })]);
    expect(served.models.length).toBeGreaterThan(0);
    expect(served.models.every((model) => model.sources.every((source) => source.kind === 'served'))).toBe(true);
  });
});
