/**
 * Start on login. macOS and Windows: Electron's app.setLoginItemSettings
 * (main/index.ts). Linux has no such API: the XDG autostart spec says a
 * `.desktop` file in `$XDG_CONFIG_HOME/autostart` (default ~/.config/autostart)
 * starts the program at login; this writes or removes that file.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const AUTOSTART_FILE = 'homeport.desktop';
/** Passed on the command line of the login start: the app starts in the tray, without a window. */
export const HIDDEN_FLAG = '--hidden';

export function xdgAutostartDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart');
}

/** Quote a path for a desktop entry's Exec key (spec: double quotes, with \ " ` $ escaped). */
function execQuote(arg: string): string {
  if (/^[A-Za-z0-9_./:=-]+$/.test(arg)) return arg;
  return `"${arg.replace(/([\\"`$])/g, '\\$1')}"`;
}

export function autostartEntry(options: { readonly exec: string; readonly args?: readonly string[] }): string {
  const command = [options.exec, ...(options.args ?? []), HIDDEN_FLAG].map(execQuote).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Homeport',
    'Comment=Local LLM endpoint and control panel',
    `Exec=${command}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Write or remove the autostart entry; returns the file's path. */
export async function setXdgAutostart(enabled: boolean, options: { readonly exec: string; readonly args?: readonly string[]; readonly dir?: string }): Promise<string> {
  const dir = options.dir ?? xdgAutostartDir();
  const file = join(dir, AUTOSTART_FILE);
  if (enabled) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, autostartEntry(options), { mode: 0o644 });
  } else {
    await rm(file, { force: true });
  }
  return file;
}
