/**
 * A small store for named secrets (the Hugging Face token, cloud API keys).
 *
 * One JSON file, `secrets.json` in the given folder, readable by the owner
 * only (mode 0600, folder 0700 when we create it), replaced atomically on
 * every change (write a private temp file, then rename). Values are never
 * part of an error message, a log line or a `toJSON`: errors name the secret
 * and the file, never the value, and a corrupt file is reported without
 * echoing its contents.
 *
 * This guards against other users on the machine and against leaks through
 * logs; it is not encryption at rest (Electron's safeStorage could wrap the
 * values later without changing this interface).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { redact } from './redact.js';

export type SecretStoreErrorCode = 'invalid_name' | 'invalid_value' | 'corrupt_file' | 'io_error';

export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
  constructor(
    readonly code: SecretStoreErrorCode,
    message: string,
  ) {
    super(message);
  }
  toJSON(): { name: string; code: SecretStoreErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

export interface SecretStoreOptions {
  /** Folder holding the secrets file (created if missing). */
  readonly dir: string;
  /** Defaults to `secrets.json`. */
  readonly fileName?: string;
}

export interface SecretStore {
  /** Where the secrets live (for a settings screen; the path is not secret). */
  readonly path: string;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  /** True if there was something to delete. */
  delete(name: string): Promise<boolean>;
  /** Names only, never values. */
  names(): Promise<string[]>;
  /** `text` with every stored value (and anything token-shaped) replaced by `[redacted]`. */
  redact(text: string): Promise<string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_VALUE_LENGTH = 16 * 1024;
const fileSchema = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) });

export function createSecretStore(options: SecretStoreOptions): SecretStore {
  const path = join(options.dir, options.fileName ?? 'secrets.json');
  // Changes are read-modify-write: one at a time, in call order.
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(change: () => Promise<T>): Promise<T> => {
    const next = queue.then(change, change);
    queue = next.catch(() => undefined);
    return next;
  };

  async function load(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return {};
      throw new SecretStoreError('io_error', `Could not read the secrets file ${path}: ${errnoOf(error)}`);
    }
    await tightenMode(path);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // JSON.parse quotes the text it failed on, so its message must not travel.
      throw new SecretStoreError('corrupt_file', `The secrets file ${path} is not valid JSON; fix or delete it and enter the secrets again`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      throw new SecretStoreError('corrupt_file', `The secrets file ${path} has an unexpected layout; fix or delete it and enter the secrets again`);
    }
    return parsed.data.secrets;
  }

  async function save(secrets: Record<string, string>): Promise<void> {
    const temp = join(options.dir, `.${options.fileName ?? 'secrets.json'}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify({ version: 1, secrets }, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, 0o600); // in case a umask or platform widened it
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new SecretStoreError('io_error', `Could not save the secrets file ${path}: ${errnoOf(error)}`);
    }
  }

  return {
    path,
    async get(name) {
      checkName(name);
      await queue;
      const secrets = await load();
      return Object.hasOwn(secrets, name) ? secrets[name] : undefined;
    },
    async set(name, value) {
      checkName(name);
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
        throw new SecretStoreError('invalid_value', `The value for secret "${name}" must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
      }
      return serialised(async () => {
        const secrets = await load();
        await save({ ...secrets, [name]: value });
      });
    },
    async delete(name) {
      checkName(name);
      return serialised(async () => {
        const secrets = await load();
        if (!Object.hasOwn(secrets, name)) return false;
        const { [name]: _removed, ...rest } = secrets;
        await save(rest);
        return true;
      });
    },
    async names() {
      await queue;
      return Object.keys(await load()).sort();
    },
    async redact(text) {
      await queue;
      return redact(text, { secrets: Object.values(await load()) });
    },
  };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new SecretStoreError('invalid_name', `Secret names are 1-64 letters, digits, "_", "." or "-" (got ${JSON.stringify(String(name).slice(0, 64))})`);
  }
}

/** Only the errno code (ENOENT, EACCES...): fs messages are safe, but the code is all a user needs. */
function errnoOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

/** A secrets file readable by others (copied in, restored from a backup) is made private again. */
async function tightenMode(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) await chmod(path, 0o600);
  } catch {
    // Best effort: the read already succeeded.
  }
}
