/**
 * Where a secret's value comes from: the secret store first, then an
 * environment variable (`OPENAI_API_KEY`, `HF_TOKEN`, …). Values are kept in
 * memory for a moment so a cloud request does not read the file each time;
 * a change made through this resolver applies at once, one made by another
 * process (the CLI) within `cacheMs`.
 *
 * Nothing here ever returns a value except `get`; listings say set/not set
 * and where from.
 */
import type { SecretStore } from './store.js';
import { HF_TOKEN_SECRET } from '../models/library/hub-access.js';

export type SecretSourceKind = 'store' | 'env';

export interface SecretListing {
  readonly name: string;
  readonly set: boolean;
  /** Where the value comes from; absent when not set. */
  readonly source?: SecretSourceKind;
  /** The environment variables read when the store has no value. */
  readonly env: readonly string[];
}

export interface SecretResolverOptions {
  readonly store: SecretStore;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** Built-in environment fallbacks beyond the `<NAME>_API_KEY` rule. */
const KNOWN_ENV: Readonly<Record<string, readonly string[]>> = {
  [HF_TOKEN_SECRET]: ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'],
};

/** `openai` → `OPENAI_API_KEY`, `den-pc` → `DEN_PC_API_KEY`. */
export function defaultEnvName(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

export class SecretResolver {
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly cached = new Map<string, { value: string | undefined; at: number }>();
  /** Secrets the config names (providers' keys), with their environment variables. */
  private known = new Map<string, readonly string[]>();

  constructor(private readonly options: SecretResolverOptions) {
    this.env = options.env ?? process.env;
    this.cacheMs = options.cacheMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** The store's path (not secret). */
  get path(): string {
    return this.options.store.path;
  }

  /** Tell the resolver which secrets the config uses, and which variable each may come from. */
  declare(name: string, envName?: string): void {
    const names = new Set([...(envName ? [envName] : []), ...this.envNamesOf(name)]);
    this.known.set(name, [...names]);
  }

  /** Forget every declared name (before declaring the config's again). */
  resetDeclared(): void {
    this.known = new Map();
  }

  envNamesOf(name: string): readonly string[] {
    return this.known.get(name) ?? KNOWN_ENV[name] ?? [defaultEnvName(name)];
  }

  async get(name: string): Promise<string | undefined> {
    const hit = this.cached.get(name);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.value;
    const value = (await this.options.store.get(name)) ?? this.fromEnv(name)?.value;
    this.cached.set(name, { value, at: this.now() });
    return value;
  }

  /** Every known value (for redaction), store and environment. */
  async values(): Promise<string[]> {
    const names = new Set([...(await this.options.store.names()), ...this.known.keys(), ...Object.keys(KNOWN_ENV)]);
    const out: string[] = [];
    for (const name of names) {
      const value = await this.get(name);
      if (value) out.push(value);
    }
    return out;
  }

  async set(name: string, value: string): Promise<void> {
    await this.options.store.set(name, value);
    this.cached.delete(name);
  }

  async delete(name: string): Promise<boolean> {
    const removed = await this.options.store.delete(name);
    this.cached.delete(name);
    return removed;
  }

  /** Declared names, the built-in ones and everything in the store: set or not, and from where. */
  async list(): Promise<SecretListing[]> {
    const stored = new Set(await this.options.store.names());
    const names = new Set([...Object.keys(KNOWN_ENV), ...this.known.keys(), ...stored]);
    return [...names].sort().map((name) => {
      const env = this.envNamesOf(name);
      if (stored.has(name)) return { name, set: true, source: 'store' as const, env };
      if (this.fromEnv(name)) return { name, set: true, source: 'env' as const, env };
      return { name, set: false, env };
    });
  }

  private fromEnv(name: string): { value: string } | undefined {
    for (const variable of this.envNamesOf(name)) {
      const value = this.env[variable];
      if (value) return { value };
    }
    return undefined;
  }
}
