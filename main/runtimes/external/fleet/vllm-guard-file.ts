/**
 * Writes the vLLM request guard module (adapters/vllm-guard.ts) into a fresh
 * private folder (mode 0700, so no other local user can swap the code vLLM
 * imports) and returns the folder, which goes first on vLLM's PYTHONPATH.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VLLM_GUARD_MODULE, VLLM_GUARD_SOURCE } from '../adapters/vllm-guard.js';

export async function writeVllmGuardModule(parent: string = tmpdir()): Promise<string> {
  const folder = await mkdtemp(join(parent, 'homeport-vllm-guard-'));
  await writeFile(join(folder, `${VLLM_GUARD_MODULE}.py`), VLLM_GUARD_SOURCE, { mode: 0o600 });
  return folder;
}
