import { readFile, rename, mkdir, open, unlink } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { configSchema, type ConfigInput, type HomeportConfig } from './schema.js';
import { ConfigError, describeZodIssues } from './errors.js';
import { dataPaths } from './paths.js';

/** Validate a parsed JSON value; throws ConfigError naming each bad key. Returns a frozen config. */
export function parseConfig(value: unknown, file: string | null = null): HomeportConfig {
  const result = configSchema.safeParse(value);
  if (!result.success) throw new ConfigError(file, describeZodIssues(result.error));
  return deepFreeze(result.data);
}

/** Load and validate `file`. A missing file means defaults; unreadable or invalid JSON is an error. */
export async function loadConfig(file: string): Promise<HomeportConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig({}, file);
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(json, file);
}

/**
 * Validate, then write atomically: a temp file in the same folder, fsync,
 * rename over the target. A crash mid-save leaves the old file intact.
 */
export async function saveConfig(file: string, config: ConfigInput): Promise<HomeportConfig> {
  const valid = parseConfig(config, file);
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(config, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return valid;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}


/**
 * The port a running engine of this data dir listens on, for commands that
 * call it (probe, panel-url): `--port` when given, else the config file's
 * (`--config`, or the data dir's own). Throws ConfigError for a bad config.
 */
export async function enginePort(args: { readonly port?: number | undefined; readonly config?: string | undefined }, dataDir: string): Promise<number> {
  if (args.port !== undefined) return args.port;
  return (await loadConfig(resolve(args.config ?? dataPaths(dataDir).config))).port;
}
