import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** Where Homeport keeps its config, models and state unless told otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform(), home = homedir()): string {
  if (env.HOMEPORT_DATA_DIR) return env.HOMEPORT_DATA_DIR;
  if (os === 'darwin') return join(home, 'Library', 'Application Support', 'Homeport');
  if (os === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Homeport');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'homeport');
}

export function dataPaths(dataDir: string) {
  return {
    dataDir,
    config: join(dataDir, 'config.json'),
    models: join(dataDir, 'models'),
    state: join(dataDir, 'state'),
  } as const;
}
