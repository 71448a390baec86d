/**
 * Per-app API keys. A key is shown once, when it is created; only its
 * SHA-256 is stored (keys are 256 random bits, so a fast hash is enough), in
 * `app-keys.json` in the state folder, mode 0600, written atomically. Once any
 * key exists, the public API requires one (gateway/app-key-guard.ts); each
 * request is attributed to its key's name, and a key may be limited to some
 * models.
 *
 * The CLI (`homeport keys ...`) edits the same file while the engine runs:
 * the engine re-reads it when its modification time changes (checked at
 * most once a second).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export interface AppKeyRecord {
  readonly id: string;
  readonly name: string;
  /** The first characters of the key, to tell keys apart in lists. */
  readonly prefix: string;
  readonly createdAt: string;
  /** Models (ids or aliases) this key may use; absent = all. */
  readonly models?: readonly string[];
}

const fileSchema = z.object({
  version: z.literal(1),
  keys: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      prefix: z.string(),
      createdAt: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      models: z.array(z.string()).optional(),
    }),
  ),
});
type KeyFile = z.infer<typeof fileSchema>;

export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
  constructor(
    message: string,
    readonly kind: 'invalid-name' | 'name-taken' | 'corrupt-file',
  ) {
    super(message);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export class AppKeyStore {
  private data: KeyFile = { version: 1, keys: [] };
  private byHash = new Map<string, AppKeyRecord>();
  private loadedMtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    this.reload();
  }

  static inStateDir(stateDir: string): AppKeyStore {
    return new AppKeyStore(join(stateDir, 'app-keys.json'));
  }

  /** Whether the public API requires a key. */
  hasKeys(): boolean {
    this.refresh();
    return this.data.keys.length > 0;
  }

  list(): AppKeyRecord[] {
    this.refresh();
    return this.data.keys.map(toRecord);
  }

  /** A new key; the returned `key` is the only time it is ever available. */
  create(name: string, options: { models?: readonly string[] } = {}): { key: string; record: AppKeyRecord } {
    this.reload();
    if (!NAME.test(name)) throw new KeyStoreError(`A key name is 1-64 letters, digits, spaces, dots, dashes or underscores (got ${JSON.stringify(name)}).`, 'invalid-name');
    if (this.data.keys.some((key) => key.name === name)) throw new KeyStoreError(`A key named "${name}" already exists; revoke it first or pick another name.`, 'name-taken');
    const key = `hp-${randomBytes(32).toString('base64url')}`;
    const entry = {
      id: randomBytes(8).toString('hex'),
      name,
      prefix: key.slice(0, 9),
      createdAt: new Date(this.now()).toISOString(),
      sha256: hashKey(key),
      ...(options.models !== undefined && options.models.length > 0 ? { models: [...options.models] } : {}),
    };
    this.write({ version: 1, keys: [...this.data.keys, entry] });
    return { key, record: toRecord(entry) };
  }

  /** Revoke by name or id; false when there is no such key. */
  revoke(nameOrId: string): boolean {
    this.reload();
    const keys = this.data.keys.filter((key) => key.name !== nameOrId && key.id !== nameOrId);
    if (keys.length === this.data.keys.length) return false;
    this.write({ version: 1, keys });
    return true;
  }

  /** The key's record, or undefined for an unknown or revoked key. */
  verify(presented: string): AppKeyRecord | undefined {
    this.refresh();
    return this.byHash.get(hashKey(presented));
  }

  private refresh(): void {
    const now = this.now();
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const mtime = existsSync(this.file) ? statSync(this.file).mtimeMs : -1;
    if (mtime !== this.loadedMtimeMs) this.reload();
  }

  private reload(): void {
    this.checkedAt = this.now();
    if (!existsSync(this.file)) {
      this.apply({ version: 1, keys: [] }, -1);
      return;
    }
    const mtime = statSync(this.file).mtimeMs;
    let parsed: KeyFile;
    try {
      parsed = fileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (error) {
      throw new KeyStoreError(`${this.file} is not a valid key file (${error instanceof Error ? error.message : String(error)}); fix or delete it.`, 'corrupt-file');
    }
    this.apply(parsed, mtime);
  }

  private apply(data: KeyFile, mtime: number): void {
    this.data = data;
    this.byHash = new Map(data.keys.map((key) => [key.sha256, toRecord(key)]));
    this.loadedMtimeMs = mtime;
  }

  private write(data: KeyFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.file);
    this.apply(data, statSync(this.file).mtimeMs);
  }
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function toRecord(entry: KeyFile['keys'][number]): AppKeyRecord {
  return {
    id: entry.id,
    name: entry.name,
    prefix: entry.prefix,
    createdAt: entry.createdAt,
    ...(entry.models !== undefined ? { models: entry.models } : {}),
  };
}
