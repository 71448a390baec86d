/**
 * Where GGUF models live on a machine, besides Homeport's own folder:
 *
 * - Hugging Face cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
 *   `$XDG_CACHE_HOME/huggingface/hub` or `~/.cache/huggingface/hub`
 *   (huggingface_hub's rules). Layout: `models--ORG--NAME/snapshots/REV/…`,
 *   files being symlinks into `../../blobs/<hash>`.
 * - LM Studio: `~/.lmstudio/models` (current) and `~/.cache/lm-studio/models`
 *   (before 0.3). Layout: `publisher/repo/file.gguf`.
 * - Ollama: `$OLLAMA_MODELS`, else `~/.ollama/models` (and on Linux the
 *   system service's `/usr/share/ollama/.ollama/models`). Layout:
 *   `manifests/<registry>/<namespace>/<name>/<tag>` JSON manifests whose
 *   model layer names a `blobs/sha256-<hex>` file.
 *
 * Every root is plain data so tests point them at temp folders.
 */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

export const SOURCE_KINDS = ['data-dir', 'folder', 'served', 'lmstudio', 'hf-cache', 'ollama'] as const;
/** Also the order of preference when two sources hold the same file name (see model-ids.ts). */
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface ModelRoots {
  /** `<dataDir>/models`. */
  readonly dataDirModels: string | null;
  /** Folders the user added. */
  readonly extraFolders: readonly string[];
  /** Folders of models served by path (`--model FILE`) that the user did not add: scanned as `served`. */
  readonly servedFolders?: readonly string[];
  readonly hfHubCache: string | null;
  readonly lmStudio: readonly string[];
  readonly ollama: readonly string[];
}

export interface DefaultRootsInput {
  readonly dataDir: string | null;
  readonly extraFolders?: readonly string[];
  readonly servedFolders?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
  readonly os?: NodeJS.Platform;
}

/** The usual places on this machine; `env` and `home` are injectable. */
export function defaultModelRoots(input: DefaultRootsInput): ModelRoots {
  const env = input.env ?? process.env;
  const home = input.home ?? homedir();
  const os = input.os ?? platform();
  return {
    dataDirModels: input.dataDir ? join(input.dataDir, 'models') : null,
    extraFolders: input.extraFolders ?? [],
    // A served model's folder that is scanned anyway (the models folder, a folder the user added) is listed once, as that.
    servedFolders: (input.servedFolders ?? []).filter((folder) => !(input.extraFolders ?? []).includes(folder) && (!input.dataDir || folder !== join(input.dataDir, 'models'))),
    hfHubCache: huggingFaceHubCache(env, home),
    lmStudio: [join(home, '.lmstudio', 'models'), join(home, '.cache', 'lm-studio', 'models')],
    ollama: ollamaRoots(env, home, os),
  };
}

export function huggingFaceHubCache(env: Readonly<Record<string, string | undefined>>, home: string): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'huggingface', 'hub');
}

function ollamaRoots(env: Readonly<Record<string, string | undefined>>, home: string, os: NodeJS.Platform): string[] {
  if (env.OLLAMA_MODELS) return [env.OLLAMA_MODELS];
  const roots = [join(home, '.ollama', 'models')];
  if (os === 'linux') roots.push('/usr/share/ollama/.ollama/models');
  return roots;
}
