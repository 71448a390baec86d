import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trayView, type TrayItem } from '../../main/desktop/tray-menu.js';
import { DEFAULT_SIZE, loadWindowState, placeWindow, saveWindowState } from '../../main/desktop/window-state.js';
import { AUTOSTART_FILE, autostartEntry, HIDDEN_FLAG, setXdgAutostart, xdgAutostartDir } from '../../main/desktop/autostart.js';
import { createSafeStorageCipher, encryptedSecretStore, type SafeStorageLike } from '../../main/secrets/safe-storage.js';
import { createSecretStore } from '../../main/secrets/store.js';
import type { EngineStatus } from '../../main/control/status.js';
import type { ModelView } from '../../main/control/model-list.js';

// The desktop shell's parts that need no Electron: the tray's content, where the window opens,
// the XDG autostart entry and the safeStorage secret backend (with a fake safeStorage).

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-desktop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const model = (id: string, state: ModelView['state']): ModelView => ({
  id,
  aliases: [],
  runtime: `embedded:${id}`,
  ownedBy: 'homeport-embedded',
  state,
  sizeBytes: 1,
  contextLength: 512,
  parallel: 1,
  port: null,
  inFlight: 0,
  lastUsedAt: null,
  idleUnloadAt: null,
  lastError: null,
});

const status = (tokPerSec: number | null, inFlight = 0) =>
  ({ inFlight, models: [{ decodeTokPerSec: { p50: null, last: tokPerSec } }] }) as unknown as EngineStatus;

const flat = (items: readonly TrayItem[]): TrayItem[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])]);

describe('the tray', () => {
  it('shows the endpoint, the loaded models and the speed, with the quick actions', () => {
    const view = trayView({ endpoint: 'http://127.0.0.1:4663/v1', status: status(41.27, 2), models: [model('llama', 'loaded'), model('qwen', 'available')] });
    expect(view.tooltip).toContain('http://127.0.0.1:4663/v1');
    expect(view.tooltip).toContain('1 model loaded · 2 requests running · last 41.3 tok/s');
    const items = flat(view.items);
    expect(items.map((i) => i.action?.kind).filter(Boolean)).toEqual(['open', 'copy-endpoint', 'unload', 'load', 'quit']);
    expect(items.find((i) => i.action?.kind === 'unload')?.action).toEqual({ kind: 'unload', model: 'llama' });
    expect(items.find((i) => i.action?.kind === 'load')?.action).toEqual({ kind: 'load', model: 'qwen' });
  });

  it('offers no action on a model that is loading, and says what to do with no models', () => {
    const loading = flat(trayView({ endpoint: 'e', status: null, models: [model('m', 'loading')] }).items);
    expect(loading.find((i) => i.label === 'Loading…')).toMatchObject({ enabled: false });
    expect(loading.some((i) => i.action?.kind === 'load' || i.action?.kind === 'unload')).toBe(false);
    const none = flat(trayView({ endpoint: 'e', status: null, models: [] }).items);
    expect(none.some((i) => /No models yet/.test(i.label ?? ''))).toBe(true);
  });

  it('offers no Unload for a model loaded outside Homeport (an attached server\'s), and says so', () => {
    const items = flat(trayView({ endpoint: 'e', status: null, models: [{ ...model('llama-server/mine', 'loaded'), externallyManaged: true }] }).items);
    expect(items.find((i) => i.label === 'Runs outside Homeport')).toMatchObject({ enabled: false });
    expect(items.some((i) => i.action?.kind === 'unload')).toBe(false);
  });
});

describe('the window\'s place', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('reopens where it was when that is on a display, and round-trips through its file', async () => {
    const file = join(dir, 'window.json');
    await saveWindowState(file, { bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true });
    const saved = await loadWindowState(file);
    expect(placeWindow(saved, screen)).toEqual({ bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('falls back to the default size when the saved place is off every display, or the file is bad', async () => {
    expect(placeWindow({ bounds: { x: 3000, y: 0, width: 800, height: 600 }, maximized: false }, screen)).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
    const bad = join(dir, 'bad.json');
    await saveWindowState(bad, { bounds: { x: 0, y: 0, width: 0, height: 0 }, maximized: false });
    expect(await loadWindowState(bad)).toBeNull();
    expect(await loadWindowState(join(dir, 'missing.json'))).toBeNull();
  });
});

describe('start on login (Linux: XDG autostart)', () => {
  it('writes a desktop entry that starts hidden in the tray, and removes it', async () => {
    const autostart = join(dir, 'autostart');
    const file = await setXdgAutostart(true, { exec: '/opt/Home Port/homeport', dir: autostart });
    expect(file).toBe(join(autostart, AUTOSTART_FILE));
    const text = await readFile(file, 'utf8');
    expect(text).toContain('[Desktop Entry]');
    expect(text).toContain(`Exec="/opt/Home Port/homeport" ${HIDDEN_FLAG}`);
    expect(text).toContain('Type=Application');
    await setXdgAutostart(false, { exec: 'x', dir: autostart });
    await expect(stat(file)).rejects.toThrow();
  });

  it('uses $XDG_CONFIG_HOME, else ~/.config', () => {
    expect(xdgAutostartDir({ XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/autostart');
    expect(xdgAutostartDir({}, '/home/u')).toBe('/home/u/.config/autostart');
    expect(autostartEntry({ exec: '/a/b', args: ['/app path'] })).toContain('Exec=/a/b "/app path" --hidden');
  });
});

/** A stand-in for Electron's safeStorage: reversible, and visibly not the plaintext. */
function fakeSafeStorage(backend: string): SafeStorageLike & { readonly calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    isEncryptionAvailable: () => true,
    encryptString: (text) => (calls.push('encrypt'), Buffer.from([...Buffer.from(text, 'utf8')].map((b) => b ^ 0x5a))),
    decryptString: (buf) => (calls.push('decrypt'), Buffer.from([...buf].map((b) => b ^ 0x5a)).toString('utf8')),
    getSelectedStorageBackend: () => backend,
  };
}

describe('secrets through safeStorage', () => {
  it('says plainly that Linux basic_text is not real protection, and a keyring is', () => {
    const weak = createSafeStorageCipher(fakeSafeStorage('basic_text'), 'linux');
    expect(weak.protection).toBe('weak');
    expect(weak.detail).toMatch(/not real protection/);
    expect(createSafeStorageCipher(fakeSafeStorage('gnome_libsecret'), 'linux').protection).toBe('os');
    expect(createSafeStorageCipher(fakeSafeStorage('ignored'), 'darwin').protection).toBe('os');
    expect(() => createSafeStorageCipher({ ...fakeSafeStorage('x'), isEncryptionAvailable: () => false }, 'linux')).toThrow(/not available/);
  });

  it('writes only ciphertext to the file, reads the value back, and redacts the plaintext', async () => {
    const safe = fakeSafeStorage('kwallet5');
    const inner = createSecretStore({ dir: join(dir, 'secrets') });
    const store = encryptedSecretStore(inner, createSafeStorageCipher(safe, 'linux'));
    await store.set('openai', 'sk-test-1234567890abcdef');
    const file = await readFile(store.path, 'utf8');
    expect(file).not.toContain('sk-test-1234567890abcdef');
    expect(file).toContain('v1:');
    expect(await store.get('openai')).toBe('sk-test-1234567890abcdef');
    expect(await store.names()).toEqual(['openai']);
    expect(await store.redact('key=sk-test-1234567890abcdef!')).not.toContain('sk-test-1234567890abcdef');
    expect(safe.calls).toContain('encrypt');
    expect(safe.calls).toContain('decrypt');
  });

  it('reads a value written before encryption was on, and refuses a damaged one without echoing it', async () => {
    const inner = createSecretStore({ dir: join(dir, 'legacy') });
    await inner.set('hf', 'hf_plain_value_123');
    const store = encryptedSecretStore(inner, createSafeStorageCipher(fakeSafeStorage('kwallet'), 'linux'));
    expect(await store.get('hf')).toBe('hf_plain_value_123');
    const broken = createSafeStorageCipher({ ...fakeSafeStorage('kwallet'), decryptString: () => { throw new Error('bad key for v1:QUJD'); } }, 'linux');
    await inner.set('x', 'v1:QUJD');
    await expect(encryptedSecretStore(inner, broken).get('x')).rejects.toThrow(/could not be decrypted/);
    await expect(encryptedSecretStore(inner, broken).get('x')).rejects.not.toThrow(/QUJD/);
  });
});
