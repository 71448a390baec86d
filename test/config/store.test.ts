import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig, saveConfig } from '../../main/config/store.js';
import { ConfigError } from '../../main/config/errors.js';
import { DEFAULT_PORT } from '../../main/config/schema.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'homeport-config-'));

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('config schema', () => {
  it('fills defaults for an empty config', () => {
    const config = parseConfig({});
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.bodyLimitBytes).toBe(8 * 1024 * 1024);
    expect(config.models).toEqual([]);
    expect(Object.isFrozen(config) && Object.isFrozen(config.supervisor)).toBe(true);
  });

  it('rejects unknown keys, naming them and where they are', () => {
    expect(problemsOf(() => parseConfig({ prot: 5000 }))).toEqual(['unknown key "prot"']);
    const nested = problemsOf(() => parseConfig({ models: [{ path: '/m.gguf', ctxx: 10 }] }));
    expect(nested).toEqual(['models.0: unknown key "ctxx"']);
  });

  it('rejects bad values, naming the key', () => {
    const problems = problemsOf(() => parseConfig({ port: 'x', models: [{ path: '/a.gguf', parallel: 0 }] }));
    expect(problems.some((p) => p.startsWith('port:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('models.0.parallel:'))).toBe(true);
  });

  it('refuses ports that other runtimes own', () => {
    for (const port of [1234, 1337, 4000, 8000, 8080, 8787, 11434]) {
      expect(problemsOf(() => parseConfig({ port }))[0]).toMatch(/^port: this port belongs to another runtime/);
    }
    expect([1234, 1337, 4000, 8000, 8080, 8787, 11434]).not.toContain(DEFAULT_PORT);
  });
});

describe('config file', () => {
  it('a missing file means defaults', async () => {
    const config = await loadConfig(join(await tempDir(), 'nope.json'));
    expect(config.port).toBe(DEFAULT_PORT);
  });

  it('invalid JSON is an error naming the file', async () => {
    const file = join(await tempDir(), 'config.json');
    await writeFile(file, '{ "port": ');
    await expect(loadConfig(file)).rejects.toThrow(/config\.json is invalid:\n {2}- not valid JSON/);
  });

  it('saves atomically and round-trips; an invalid config is never written', async () => {
    const dir = await tempDir();
    const file = join(dir, 'config.json');
    await saveConfig(file, { port: 5050, models: [{ path: '/models/a.gguf', aliases: ['default'] }] });
    const loaded = await loadConfig(file);
    expect(loaded.port).toBe(5050);
    expect(loaded.models[0]?.aliases).toEqual(['default']);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    await expect(saveConfig(file, { port: 8080 })).rejects.toBeInstanceOf(ConfigError);
    expect(JSON.parse(await readFile(file, 'utf8')).port).toBe(5050);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
