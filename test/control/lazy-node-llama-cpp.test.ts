/**
 * The engine process must not load node-llama-cpp until someone reads GGUF
 * metadata (it costs ~50 MB of RSS and ~0.5 s): only the embedded worker and
 * gguf-metadata.ts (lazily) may. A child process imports the engine, every
 * control module and serve.ts's imports, and a resolve hook reports whether
 * any node-llama-cpp module was reached; then it imports node-llama-cpp
 * itself, to prove the hook would have seen it.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PROBE = join(import.meta.dirname, 'fixtures', 'import-probe.ts');

interface ProbeReport {
  readonly imported: number;
  readonly resolvedModules: number;
  readonly nodeLlamaCppModules: readonly string[];
  readonly withNodeLlamaCpp: { readonly seen: number } | null;
}

async function controlModules(): Promise<string[]> {
  const entries = await readdir(join(ROOT, 'main', 'control'), { recursive: true });
  return entries.filter((entry) => entry.endsWith('.ts')).map((entry) => join('main', 'control', entry));
}

it('imports the engine, serve.ts and every control module without loading node-llama-cpp', { timeout: 60_000 }, async () => {
  const targets = ['main/engine.ts', ...(await controlModules()), 'imports-of:main/serve.ts'];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', PROBE, ...targets, '--then-load-node-llama-cpp'], {
    cwd: ROOT,
    timeout: 50_000,
  });
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeReport;
  expect(report.imported).toBeGreaterThan(10);
  expect(report.resolvedModules).toBeGreaterThan(50);
  expect(report.nodeLlamaCppModules).toEqual([]);
  // The hook does see node-llama-cpp once something imports it.
  expect(report.withNodeLlamaCpp?.seen).toBeGreaterThan(0);
});
