/**
 * App keys for /v1: the list (names, prefixes, model lists — never a key),
 * creating one (its key is in the answer once and kept here only until the
 * user dismisses it), revoking one, and the model and route names a key's
 * list can name, for suggestions.
 */
import { create } from 'zustand';
import type { AppKeyRecord, ContractError, Result, Transport } from '../../preload/contract.js';
import { listData } from '../lib/list-data.js';
import { transport as defaultTransport } from '../lib/transport.js';

/** A key just created: shown once, with what the engine warned about its model list. */
export interface CreatedKey {
  readonly name: string;
  readonly key: string;
  readonly warnings: readonly string[];
}

export interface AppKeysState {
  readonly keys: readonly AppKeyRecord[] | null;
  /** Whether /v1 asks apps for a key now (true once any key exists). */
  readonly required: boolean;
  readonly loadError: ContractError | null;
  /** Model ids, their aliases and route names, for the model list's suggestions. */
  readonly names: readonly string[];
  readonly creating: boolean;
  readonly createError: ContractError | null;
  readonly created: CreatedKey | null;
  /** Key names with a revoke in progress. */
  readonly revoking: Readonly<Record<string, boolean>>;
  readonly revokeErrors: Readonly<Record<string, ContractError | undefined>>;
  load(): Promise<void>;
  create(name: string, models: readonly string[]): Promise<Result<unknown>>;
  revoke(name: string): Promise<Result<unknown>>;
  /** Forget the new key (the user has copied it, or closed the notice). */
  dismissCreated(): void;
}

export function createAppKeysStore(options: { readonly transport?: () => Transport } = {}) {
  const transport = options.transport ?? defaultTransport;

  return create<AppKeysState>()((set, get) => {
    const readKeys = async (): Promise<void> => {
      const result = await transport().call('keys');
      set(result.ok ? { keys: result.data.keys, required: result.data.required, loadError: null } : { loadError: result.error });
    };
    const readNames = async (): Promise<void> => {
      const [models, routing] = await Promise.all([transport().call('models'), transport().call('routing')]);
      const names = new Set<string>();
      if (models.ok) for (const model of listData(models.data)) [model.id, ...model.aliases].forEach((name) => names.add(name));
      if (routing.ok) Object.keys(routing.data.routes).forEach((name) => names.add(name));
      set({ names: [...names].sort((a, b) => a.localeCompare(b)) });
    };

    return {
      keys: null,
      required: false,
      loadError: null,
      names: [],
      creating: false,
      createError: null,
      created: null,
      revoking: {},
      revokeErrors: {},

      async load() {
        // The names only help typing: failing to read them is not an error to show.
        await Promise.all([readKeys(), readNames().catch(() => undefined)]);
      },

      async create(name, models) {
        set({ creating: true, createError: null, created: null });
        const result = await transport().call('createKey', { name, ...(models.length > 0 ? { models } : {}) });
        if (result.ok) {
          set({ creating: false, created: { name: result.data.record.name, key: result.data.key, warnings: result.data.warnings ?? [] } });
          await readKeys();
        } else {
          set({ creating: false, createError: result.error });
        }
        return result;
      },

      async revoke(name) {
        set({ revoking: { ...get().revoking, [name]: true }, revokeErrors: { ...get().revokeErrors, [name]: undefined } });
        const result = await transport().call('revokeKey', { name });
        const revoking = { ...get().revoking };
        delete revoking[name];
        set({ revoking, ...(result.ok ? {} : { revokeErrors: { ...get().revokeErrors, [name]: result.error } }) });
        if (result.ok) {
          // The key shown once is gone with its record.
          if (get().created?.name === name) set({ created: null });
          await readKeys();
        }
        return result;
      },

      dismissCreated() {
        set({ created: null });
      },
    };
  });
}

export const useAppKeys = createAppKeysStore();
