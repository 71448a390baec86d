import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { testModel } from '../support/models.js';

// Launches the real desktop app with Playwright where an Electron binary exists. Where it does not
// (npm installs the `electron` package without its binary when the download is not possible, as here),
// the single test below says so in its name and in the log, and asserts the reason: it never passes
// as if the app had run.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function findElectron(): { path: string | null; reason: string } {
  const fromEnv = process.env.HOMEPORT_ELECTRON_BINARY;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv, reason: '' } : { path: null, reason: `HOMEPORT_ELECTRON_BINARY=${fromEnv} does not exist` };
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return { path: null, reason: `${pathTxt} is missing: the electron package was installed without its binary (no download here)` };
  const binary = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(binary) ? { path: binary, reason: '' } : { path: null, reason: `${binary} is missing` };
}

const found = findElectron();

describe('the desktop app in Electron', () => {
  if (found.path === null) {
    it('DID NOT RUN: no Electron binary on this machine', () => {
      console.warn(`[electron launch test] NOT RUN — ${found.reason}. Set HOMEPORT_ELECTRON_BINARY or install Electron's binary to run it.`);
      expect(found.path).toBeNull();
      expect(found.reason).not.toBe('');
    });
    return;
  }
  const binary = found.path;

  it('opens the window with the bridge, reaches the engine over IPC, and keeps node out of the page', async () => {
    const main = join(ROOT, 'dist', 'main', 'index.js');
    const preload = join(ROOT, 'dist', 'preload', 'index.cjs');
    for (const file of [main, preload, join(ROOT, 'dist', 'renderer', 'index.html')]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-electron-'));
    await mkdir(join(dataDir, 'models'), { recursive: true });
    await symlink(testModel('stories260K.gguf'), join(dataDir, 'models', 'stories260K.gguf'));
    const app = await electron.launch({
      executablePath: binary,
      args: [ROOT, '--no-sandbox'],
      env: { ...process.env, HOMEPORT_DATA_DIR: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 60_000,
    });
    try {
      const page = await app.firstWindow({ timeout: 60_000 });
      expect(page.url()).toMatch(/^homeport:\/\/app\//);
      const bridge = await page.evaluate(() => {
        const hp = (window as unknown as { homeport?: Record<string, unknown> }).homeport;
        return { keys: hp ? Object.keys(hp).sort() : null, hasRequire: typeof (window as unknown as { require?: unknown }).require, hasProcess: typeof (window as unknown as { process?: unknown }).process };
      });
      expect(bridge).toEqual({ keys: ['calls', 'onEvent', 'stream', 'subscribe', 'unsubscribe'], hasRequire: 'undefined', hasProcess: 'undefined' });
      const status = await page.evaluate(async () => {
        const hp = (window as unknown as { homeport: { calls: { status(): Promise<{ ok: boolean; data?: { baseUrl: string } }> } } }).homeport;
        return hp.calls.status();
      });
      expect(status.ok).toBe(true);
      expect(status.data?.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const csp = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
      expect(csp).toContain("script-src 'self'");
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
