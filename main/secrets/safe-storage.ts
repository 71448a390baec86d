/**
 * The desktop app's secret backend: values are encrypted with Electron's
 * safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows,
 * libsecret/kwallet on Linux) before the secret store writes them.
 *
 * On Linux without a keyring, safeStorage falls back to `basic_text`: a
 * hard-coded key, which is obfuscation, not protection. The cipher then says
 * `protection: 'weak'` and the panel says so in plain words.
 *
 * Electron's object is injected (`SafeStorageLike`), so the engine never
 * imports electron and this is tested with a fake. Values are kept as
 * `v1:<base64>`; anything else is refused rather than returned as is.
 */
import { SecretStoreError, type SecretStore } from './store.js';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron: 'basic_text', 'gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6', 'unknown'. */
  getSelectedStorageBackend?(): string;
}

export type SecretProtection = 'os' | 'weak' | 'file';

/** What a secret store can wrap values with; the store (secrets/store.ts) decides where they are written. */
export interface SecretCipher {
  readonly protection: SecretProtection;
  /** One sentence for the settings page. */
  readonly detail: string;
  encrypt(value: string): string;
  decrypt(stored: string): string;
}

const PREFIX = 'v1:';

export class SecretCipherError extends Error {
  override readonly name = 'SecretCipherError';
}

export function createSafeStorageCipher(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretCipher {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new SecretCipherError('The OS offers no encryption for secrets right now (safeStorage is not available); keys stay in the 0600 file instead.');
  }
  const backend = platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : null;
  const weak = backend === 'basic_text' || backend === 'unknown';
  return {
    protection: weak ? 'weak' : 'os',
    detail: weak
      ? 'No keyring (GNOME Keyring, KWallet) was found, so keys are only obfuscated with a fixed key — not real protection. Install and unlock a keyring, then restart Homeport.'
      : `Encrypted with the system keychain${backend ? ` (${backend})` : ''}.`,
    encrypt(value) {
      return `${PREFIX}${safeStorage.encryptString(value).toString('base64')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new SecretCipherError('A stored secret is not in the encrypted format; set it again.');
      try {
        return safeStorage.decryptString(Buffer.from(stored.slice(PREFIX.length), 'base64'));
      } catch {
        // Never echo the stored bytes.
        throw new SecretCipherError('A stored secret could not be decrypted (the keychain changed?); set it again.');
      }
    },
  };
}

/**
 * A secret store whose values are encrypted with `cipher` before the inner
 * store writes them (the inner store keeps its file, mode and atomic writes).
 * Values written before encryption was on (by `homeport serve` in the same
 * data dir) are read as they are and encrypted at their next change.
 */
export function encryptedSecretStore(inner: SecretStore, cipher: SecretCipher): SecretStore {
  const plain = async (name: string): Promise<string | undefined> => {
    const stored = await inner.get(name);
    if (stored === undefined) return undefined;
    return stored.startsWith(PREFIX) ? cipher.decrypt(stored) : stored;
  };
  return {
    path: inner.path,
    get: plain,
    async set(name, value) {
      if (typeof value !== 'string' || value.length === 0) throw new SecretStoreError('invalid_value', `The secret "${name}" needs a value.`);
      await inner.set(name, cipher.encrypt(value));
    },
    delete: (name) => inner.delete(name),
    names: () => inner.names(),
    async redact(text) {
      let out = await inner.redact(text);
      for (const name of await inner.names()) {
        const value = await plain(name).catch(() => undefined);
        if (value) out = out.split(value).join('[redacted]');
      }
      return out;
    },
  };
}
