import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/**
 * The shared test models live beside the repository (../shared/models), or
 * where HOMEPORT_TEST_MODELS points. A missing model fails the test run: it
 * is never a reason to skip.
 */
export const MODELS_DIR = resolve(process.env.HOMEPORT_TEST_MODELS ?? join(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'models'));

export function testModel(name: 'stories260K.gguf' | 'bench-124m-q4_0.gguf' | 'llama-2-tiny-random.gguf'): string {
  const path = join(MODELS_DIR, name);
  if (!existsSync(path)) {
    throw new Error(`Test model missing: ${path}. Put the shared models there or set HOMEPORT_TEST_MODELS to their folder.`);
  }
  return path;
}
