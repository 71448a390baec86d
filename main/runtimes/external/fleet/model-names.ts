/**
 * The id (and aliases) a model of an attached server is served under. A
 * llama-server started with `-m /path/model.gguf` and no `--alias` reports
 * the path as its model id; `llama-server//path/model.gguf` is no name to
 * type, so such a model gets the file name (without .gguf, lower case, as
 * embedded models do) and keeps the long form as an alias.
 */
import type { ExternalRuntimeKind } from '../adapters/common.js';

export interface ModelNames {
  readonly id: string;
  readonly aliases: readonly string[];
}

function looksLikePath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || /\.gguf$/i.test(name);
}

export function attachedModelNames(kind: ExternalRuntimeKind, upstreamId: string): ModelNames {
  const long = `${kind}/${upstreamId}`;
  if (kind !== 'llama-server' || !looksLikePath(upstreamId)) return { id: long, aliases: [] };
  const file = upstreamId.split(/[\\/]/).filter((part) => part !== '').at(-1) ?? upstreamId;
  const readable = file.replace(/\.gguf$/i, '').toLowerCase();
  if (readable === '') return { id: long, aliases: [] };
  return { id: `${kind}/${readable}`, aliases: [long] };
}
