/**
 * App settings (port, cache, budgets, privacy, idle TTL, memory budget, start
 * on login, theme), the secrets the engine holds (names and set / not set,
 * never values) and the configured providers.
 */
import { create } from 'zustand';
import type { ContractError, ProviderView, Result, SecretView, SettingsPatch, SettingsView, Transport } from '../../preload/contract.js';
import { listData } from '../lib/list-data.js';
import { transport as defaultTransport } from '../lib/transport.js';

export interface SettingsState {
  readonly view: SettingsView | null;
  readonly loadError: ContractError | null;
  /** A save in progress (one at a time: each control saves on its own). */
  readonly saving: boolean;
  readonly saveError: ContractError | null;
  /** The last save's words for the user ("Saved", "Saved — restart to apply the port"). */
  readonly saved: string | null;
  readonly secrets: readonly SecretView[] | null;
  readonly secretsError: ContractError | null;
  /** Secret names with a write in progress. */
  readonly secretBusy: Readonly<Record<string, boolean>>;
  readonly secretErrors: Readonly<Record<string, ContractError | undefined>>;
  readonly providers: readonly ProviderView[] | null;
  readonly providersError: ContractError | null;
  load(): Promise<void>;
  update(patch: SettingsPatch): Promise<Result<SettingsView>>;
  setSecret(name: string, value: string): Promise<Result<null>>;
  deleteSecret(name: string): Promise<Result<null>>;
}

export function createSettingsStore(options: { readonly transport?: () => Transport } = {}) {
  const transport = options.transport ?? defaultTransport;
  let loading: Promise<void> | null = null;

  return create<SettingsState>()((set, get) => {
    /** A secret write ended: list the secrets again (the answer says nothing more), or keep the error beside it. */
    const finishSecret = async (name: string, result: Result<null>) => {
      if (result.ok) {
        const secrets = await transport().call('secrets');
        if (secrets.ok) set({ secrets: listData(secrets.data) });
      }
      const busy = { ...get().secretBusy };
      delete busy[name];
      set({ secretBusy: busy, ...(result.ok ? {} : { secretErrors: { ...get().secretErrors, [name]: result.error } }) });
    };
    return {
      view: null,
      loadError: null,
      saving: false,
      saveError: null,
      saved: null,
      secrets: null,
      secretsError: null,
      secretBusy: {},
      secretErrors: {},
      providers: null,
      providersError: null,

      load() {
        loading ??= (async () => {
          const t = transport();
          const [settings, secrets, providers] = await Promise.all([t.call('settings'), t.call('secrets'), t.call('providers')]);
          set({
            view: settings.ok ? settings.data : get().view,
            loadError: settings.ok ? null : settings.error,
            secrets: secrets.ok ? listData(secrets.data) : get().secrets,
            secretsError: secrets.ok ? null : secrets.error,
            providers: providers.ok ? listData(providers.data) : get().providers,
            providersError: providers.ok ? null : providers.error,
          });
        })().finally(() => {
          loading = null;
        });
        return loading;
      },

      async update(patch) {
        set({ saving: true, saveError: null, saved: null });
        const result = await transport().call('updateSettings', patch);
        if (result.ok) {
          const waiting = result.data.restartRequired.filter((key) => key in patch);
          set({ view: result.data, saving: false, saved: waiting.length ? `Saved — restart Homeport to apply: ${waiting.join(', ')}` : 'Saved and applied' });
        } else {
          set({ saving: false, saveError: result.error });
        }
        return result;
      },

      async setSecret(name, value) {
        set({ secretBusy: { ...get().secretBusy, [name]: true }, secretErrors: { ...get().secretErrors, [name]: undefined } });
        const result = await transport().call('setSecret', { name, value });
        await finishSecret(name, result);
        return result;
      },

      async deleteSecret(name) {
        set({ secretBusy: { ...get().secretBusy, [name]: true }, secretErrors: { ...get().secretErrors, [name]: undefined } });
        const result = await transport().call('deleteSecret', { name });
        await finishSecret(name, result);
        return result;
      },
    };
  });
}


export const useSettings = createSettingsStore();
