/**
 * The keys of servers Homeport attaches to that were started with one
 * (runtimes.<kind>.apiKeySecret / apiKeyEnv), resolved once when the fleet
 * is built. A key that is configured but not set is reported, never guessed.
 * Values are only ever put in request headers; nothing here logs them.
 */
import type { RuntimesConfig } from '../../config/runtimes-schema.js';
import type { SecretResolver } from '../../secrets/resolver.js';
import type { ExternalRuntimeKind } from './adapters/common.js';

export type AttachedKinds = Extract<ExternalRuntimeKind, 'llama-server' | 'vllm' | 'lmstudio'>;

export interface AttachedKeys {
  readonly keys: Partial<Record<AttachedKinds, string>>;
  /** Configured keys that have no value, with what to do. */
  readonly missing: ReadonlyArray<{ readonly runtime: AttachedKinds; readonly reason: string }>;
}

interface KeySource {
  readonly apiKeySecret?: string | undefined;
  readonly apiKeyEnv?: string | undefined;
}

export async function resolveAttachedKeys(options: {
  readonly config: RuntimesConfig;
  readonly secrets: Pick<SecretResolver, 'get' | 'declare'>;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Promise<AttachedKeys> {
  const sources: ReadonlyArray<readonly [AttachedKinds, string, KeySource]> = [
    ['llama-server', 'llamaServer', options.config.llamaServer],
    ['vllm', 'vllm', options.config.vllm],
    ['lmstudio', 'lmstudio', options.config.lmstudio],
  ];
  const keys: Partial<Record<AttachedKinds, string>> = {};
  const missing: Array<{ runtime: AttachedKinds; reason: string }> = [];
  for (const [kind, section, source] of sources) {
    if (source.apiKeySecret === undefined && source.apiKeyEnv === undefined) continue;
    let value: string | undefined;
    if (source.apiKeySecret !== undefined) {
      options.secrets.declare(source.apiKeySecret, source.apiKeyEnv);
      value = await options.secrets.get(source.apiKeySecret);
    } else if (source.apiKeyEnv !== undefined) {
      value = options.env[source.apiKeyEnv];
    }
    if (value !== undefined && value !== '') {
      keys[kind] = value;
      continue;
    }
    const where =
      source.apiKeySecret !== undefined
        ? `the secret "${source.apiKeySecret}" is not set (homeport secrets set ${source.apiKeySecret})`
        : `the environment variable ${source.apiKeyEnv} is not set`;
    missing.push({ runtime: kind, reason: `runtimes.${section} names an API key, but ${where}; requests to that server will be refused` });
  }
  return { keys, missing };
}

/** The Authorization header for `kind`, or none. */
export function keyHeaders(keys: AttachedKeys['keys'], kind: ExternalRuntimeKind): Readonly<Record<string, string>> {
  const key = kind === 'ollama' ? undefined : keys[kind];
  return key === undefined ? {} : { Authorization: `Bearer ${key}` };
}
