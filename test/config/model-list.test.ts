import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/config/store.js';
import { modelIdFromPath, resolveModelList } from '../../main/config/model-list.js';
import { defaultThreads } from '../../main/config/schema.js';

describe('model ids', () => {
  it('slugs file names', () => {
    expect(modelIdFromPath('/m/Llama-3.1-8B-Instruct-Q4_K_M.gguf')).toBe('llama-3.1-8b-instruct-q4_k_m');
    expect(modelIdFromPath('/m/stories260K.gguf')).toBe('stories260k');
    expect(modelIdFromPath('/m/My Model (v2).GGUF')).toBe('my-model-v2');
  });
});

describe('resolveModelList', () => {
  const base = { cliPaths: [], folderPaths: [], overrides: {}, cores: 8 };

  it('--model paths replace the configured models', () => {
    const config = parseConfig({ models: [{ path: '/c/a.gguf' }] });
    const list = resolveModelList({ ...base, config, cliPaths: ['/x/b.gguf'], folderPaths: ['/f/c.gguf'] });
    expect(list.map((m) => [m.id, m.source])).toEqual([['b', 'cli']]);
  });

  it('config models then folder models, without listing a configured file twice', () => {
    const config = parseConfig({ models: [{ path: '/f/a.gguf', id: 'alpha', aliases: ['default'] }] });
    const list = resolveModelList({ ...base, config, folderPaths: ['/f/a.gguf', '/f/b.gguf'] });
    expect(list.map((m) => m.id)).toEqual(['alpha', 'b']);
    expect(list[0]?.aliases).toEqual(['default']);
  });

  it('keeps ids unique and lets explicit ids win', () => {
    const config = parseConfig({ models: [{ path: '/one/m.gguf' }, { path: '/two/m.gguf' }, { path: '/three/x.gguf', id: 'm-2' }] });
    expect(resolveModelList({ ...base, config }).map((m) => m.id)).toEqual(['m', 'm-3', 'm-2']);
  });

  it('tuning: override > model > defaults > built-in; threads never exceed cores', () => {
    const config = parseConfig({ defaults: { ctx: 4096, threads: 64 }, models: [{ path: '/a.gguf', parallel: 2 }, { path: '/b.gguf' }] });
    const [a, b] = resolveModelList({ ...base, config, overrides: { ctx: 1024 }, cores: 2 });
    expect(a?.tuning).toEqual({ ctx: 1024, parallel: 2, threads: 2, queue: 64 });
    expect(b?.tuning.parallel).toBe(4);
  });

  it('default threads are half the cores, at least one', () => {
    expect(defaultThreads(2)).toBe(1);
    expect(defaultThreads(1)).toBe(1);
    expect(defaultThreads(16)).toBe(8);
    const config = parseConfig({ models: [{ path: '/a.gguf' }] });
    expect(resolveModelList({ ...base, config, cores: 2 })[0]?.tuning.threads).toBe(1);
  });
});
