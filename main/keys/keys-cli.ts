/**
 * `homeport keys create NAME [--models a,b]` (prints the key once),
 * `homeport keys list`, `homeport keys revoke NAME`. Works whether or not the
 * engine runs: both read and write the same file, and a running engine picks
 * up the change within a second.
 */
import { parseArgs } from 'node:util';
import { AppKeyStore, KeyStoreError } from './key-store.js';

export interface KeysArgs {
  readonly command: 'keys';
  readonly action: 'create' | 'list' | 'revoke';
  readonly name?: string;
  readonly models?: readonly string[];
  readonly dataDir?: string;
}

export const KEYS_USAGE = `  homeport keys create NAME [--models ID,ID] [--data-dir DIR]
  homeport keys list [--data-dir DIR]
  homeport keys revoke NAME [--data-dir DIR]

  Per-app API keys. Once a key exists, /v1 requires one (Authorization: Bearer KEY or x-api-key: KEY);
  requests are attributed to the key's name. A key is printed once, when created; only its hash is kept.
  --models limits a key to those models.`;

export class KeysUsageError extends Error {
  override readonly name = 'KeysUsageError';
}

export function parseKeysArgs(argv: readonly string[]): KeysArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { models: { type: 'string' }, 'data-dir': { type: 'string' } } });
  } catch (error) {
    throw new KeysUsageError((error as Error).message);
  }
  const [action, name, extra] = parsed.positionals;
  const dataDir = parsed.values['data-dir'];
  if (extra !== undefined) throw new KeysUsageError(`unexpected argument "${extra}"`);
  if (action === 'list') {
    if (name !== undefined) throw new KeysUsageError(`unexpected argument "${name}"`);
    return { command: 'keys', action, ...(dataDir ? { dataDir } : {}) };
  }
  if (action === 'create' || action === 'revoke') {
    if (!name) throw new KeysUsageError(`keys ${action} needs a NAME`);
    if (action === 'revoke' && parsed.values.models !== undefined) throw new KeysUsageError('--models is an option of "keys create"');
    const models = parsed.values.models?.split(',').map((model) => model.trim()).filter((model) => model !== '');
    return { command: 'keys', action, name, ...(models ? { models } : {}), ...(dataDir ? { dataDir } : {}) };
  }
  throw new KeysUsageError(action === undefined ? 'keys needs an action: create, list or revoke' : `unknown keys action "${action}"`);
}

/** Runs a parsed keys command against the state folder; returns the exit code. */
export function runKeysCommand(args: KeysArgs, stateDir: string, out: (line: string) => void, err: (line: string) => void): number {
  let store: AppKeyStore;
  try {
    store = AppKeyStore.inStateDir(stateDir);
    if (args.action === 'list') {
      const keys = store.list();
      if (keys.length === 0) out('No app keys: /v1 is open to apps on this machine. Create one with: homeport keys create NAME');
      for (const key of keys) out(`${key.name}\t${key.prefix}…\tcreated ${key.createdAt}${key.models ? `\tmodels: ${key.models.join(', ')}` : ''}`);
      return 0;
    }
    if (args.action === 'create') {
      const { key, record } = store.create(args.name!, args.models ? { models: args.models } : {});
      out(key);
      err(`Created app key "${record.name}". It is shown only now: store it in your app. From now on /v1 requires an app key.`);
      return 0;
    }
    if (!store.revoke(args.name!)) {
      err(`homeport: no app key named "${args.name}" (see homeport keys list)`);
      return 1;
    }
    err(`Revoked app key "${args.name}".`);
    return 0;
  } catch (error) {
    if (error instanceof KeyStoreError) {
      err(`homeport: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
