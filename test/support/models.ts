import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder above this file holding package.json (works from test/ and dist/test/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.main.json')) === false) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root');
    dir = parent;
  }
  return dir;
}

/**
 * The shared test models live beside the repository (../shared/models), or
 * where HOMEPORT_TEST_MODELS points. A missing model fails the test run: it
 * is never a reason to skip.
 */
export const MODELS_DIR = resolve(process.env.HOMEPORT_TEST_MODELS ?? join(repoRoot(), '..', 'shared', 'models'));

export function testModel(name: 'stories260K.gguf' | 'bench-124m-q4_0.gguf' | 'llama-2-tiny-random.gguf'): string {
  const path = join(MODELS_DIR, name);
  if (!existsSync(path)) {
    throw new Error(`Test model missing: ${path}. Put the shared models there or set HOMEPORT_TEST_MODELS to their folder.`);
  }
  return path;
}
