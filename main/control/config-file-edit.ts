/**
 * Changing the config file from a control route: read the file as the user
 * wrote it (a missing file is `{}`), change a few keys, validate the whole and
 * save atomically. The user's other keys and layout of defaults are kept.
 * Edits run one at a time per file, each reading what the previous one wrote.
 */
import { readFile } from 'node:fs/promises';
import type { HomeportConfig } from '../config/schema.js';
import { saveConfig } from '../config/store.js';
import { ConfigError } from '../config/errors.js';
import { GatewayError } from '../gateway/errors.js';

export type RawConfig = Record<string, unknown>;

export async function readRawConfig(file: string): Promise<RawConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GatewayError({ status: 500, code: 'config_unreadable', message: `Could not read ${file}: ${(error as Error).message}` });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as RawConfig;
  } catch {
    // reported below
  }
  throw new GatewayError({ status: 409, code: 'config_invalid', message: `${file} is not a JSON object; fix it by hand before changing settings here.` });
}

const queues = new Map<string, Promise<unknown>>();

/** Applies `change` to the raw file object and saves it; a result the schema refuses is a 400 and the file is untouched. */
export function editConfigFile(file: string, change: (raw: RawConfig) => RawConfig): Promise<HomeportConfig> {
  const run = (queues.get(file) ?? Promise.resolve()).then(async () => {
    const raw = await readRawConfig(file);
    try {
      return await saveConfig(file, change(structuredClone(raw)));
    } catch (error) {
      if (error instanceof ConfigError) throw new GatewayError({ status: 400, code: 'invalid_value', message: error.message });
      throw error;
    }
  });
  queues.set(file, run.catch(() => undefined));
  return run;
}
