/**
 * Models: what the engine serves (with load state), the library on disk
 * (metadata, fit, broken files), lifecycle decisions, per-model settings, the
 * live fit preview while a setting is dragged, and Hugging Face search.
 *
 * `modelsFeed` keeps the served list live (the models event stream) while a
 * page holds it.
 */
import { create } from 'zustand';
import type {
  ContractError,
  Decision,
  FitView,
  HubFilesView,
  HubSearchView,
  LibraryView,
  ModelSettings,
  ModelSettingsView,
  ModelView,
  PredictionView,
  Result,
  SetupParams,
  Transport,
} from '../../preload/contract.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
import { restartOnReconnect } from '../lib/reconnect.js';
import { listData } from '../lib/list-data.js';
import { transport as defaultTransport } from '../lib/transport.js';

/** What the user is trying on a model before loading it. */
export interface SetupDraft {
  readonly ctx: number;
  readonly slots: number;
  /** null = as many as fit. */
  readonly gpuLayers: number | null;
}

export interface FitPreview {
  readonly setup: SetupDraft;
  /** A request for `setup` is waiting or in flight. */
  readonly pending: boolean;
  readonly fit: FitView | null;
  readonly prediction: PredictionView | null;
  readonly error: ContractError | null;
}

export type ModelAction = 'load' | 'unload';

export interface HubState {
  readonly query: string;
  readonly searching: boolean;
  readonly results: HubSearchView | null;
  readonly error: ContractError | null;
  readonly repos: Readonly<Record<string, { readonly loading: boolean; readonly data: HubFilesView | null; readonly error: ContractError | null }>>;
}

export interface ModelsState {
  readonly served: readonly ModelView[] | null;
  readonly servedError: ContractError | null;
  readonly library: LibraryView | null;
  readonly libraryError: ContractError | null;
  readonly rescanning: boolean;
  /** Folders added to the scan (the usual ones are always scanned); null until read. */
  readonly folders: readonly string[] | null;
  readonly foldersError: ContractError | null;
  readonly savingFolders: boolean;
  /** Newest first. */
  readonly decisions: readonly Decision[];
  /** A load or unload the user started and the engine has not finished. */
  readonly actions: Readonly<Record<string, { readonly action: ModelAction; readonly since: number } | undefined>>;
  readonly actionErrors: Readonly<Record<string, ContractError | undefined>>;
  readonly settings: Readonly<Record<string, { readonly view: ModelSettingsView | null; readonly error: ContractError | null; readonly saving: boolean; readonly saved: string | null } | undefined>>;
  readonly previews: Readonly<Record<string, FitPreview | undefined>>;
  readonly hub: HubState;
  refreshServed(): Promise<void>;
  loadLibrary(): Promise<void>;
  rescan(): Promise<void>;
  loadFolders(): Promise<void>;
  /** Saves the folder list, then scans again with it. */
  saveFolders(folders: readonly string[]): Promise<Result<{ readonly folders: readonly string[] }>>;
  /** Serves a library model that is not served yet, then loads it (progress and errors under the library id). */
  serveLibraryModel(libraryId: string): Promise<void>;
  runAction(id: string, action: ModelAction): Promise<Result<ModelView>>;
  loadSettings(id: string): Promise<void>;
  saveSettings(id: string, patch: Partial<ModelSettings>): Promise<Result<ModelSettingsView>>;
  /** Show `setup` at once; ask the fit API after a short pause (the latest setup wins). */
  previewSetup(id: string, setup: SetupDraft): void;
  searchHub(query: string): Promise<void>;
  openRepo(repo: string): Promise<void>;
}

export interface ModelsStoreOptions {
  readonly transport?: () => Transport;
  /** Pause after the last slider move before asking the fit API; default 100 ms. */
  readonly debounceMs?: number;
  readonly now?: () => number;
}

const KEEP_DECISIONS = 200;

export function createModelsStore(options: ModelsStoreOptions = {}) {
  const transport = options.transport ?? defaultTransport;
  const debounceMs = options.debounceMs ?? 100;
  const now = options.now ?? Date.now;
  const previewTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const previewSeq = new Map<string, number>();
  let searchSeq = 0;

  const useModels = create<ModelsState>()((set, get) => {
    /** A new served list: actions the engine has finished are no longer pending. */
    const acceptServed = (served: readonly ModelView[]) => set({ served, servedError: null, actions: settleActions(get().actions, served) });

    const patchSettings = (id: string, patch: Partial<NonNullable<ModelsState['settings'][string]>>) => {
      const current = get().settings[id] ?? { view: null, error: null, saving: false, saved: null };
      set({ settings: { ...get().settings, [id]: { ...current, ...patch } } });
    };

    const patchHub = (patch: Partial<HubState>) => set({ hub: { ...get().hub, ...patch } });

    return {
      served: null,
      servedError: null,
      library: null,
      libraryError: null,
      rescanning: false,
      folders: null,
      foldersError: null,
      savingFolders: false,
      decisions: [],
      actions: {},
      actionErrors: {},
      settings: {},
      previews: {},
      hub: { query: '', searching: false, results: null, error: null, repos: {} },

      async refreshServed() {
        const result = await transport().call('models');
        if (result.ok) acceptServed(listData(result.data));
        else set({ servedError: result.error });
      },

      async loadLibrary() {
        const result = await transport().call('library', {});
        // The engine scans on request: a library never scanned is scanned now.
        if (result.ok && result.data.scannedAt === null) return get().rescan();
        set(result.ok ? { library: result.data, libraryError: null } : { libraryError: result.error });
      },

      async rescan() {
        // A scan under way replaces an old error (one from while the engine was away) until it answers.
        set({ rescanning: true, libraryError: null });
        const result = await transport().call('rescanLibrary', {});
        set(result.ok ? { library: result.data, libraryError: null, rescanning: false } : { libraryError: result.error, rescanning: false });
      },

      async loadFolders() {
        const result = await transport().call('modelFolders');
        set(result.ok ? { folders: result.data.folders, foldersError: null } : { foldersError: result.error });
      },

      async saveFolders(folders) {
        set({ savingFolders: true, foldersError: null });
        const result = await transport().call('setModelFolders', { folders });
        set(result.ok ? { folders: result.data.folders, savingFolders: false } : { foldersError: result.error, savingFolders: false });
        if (result.ok) await get().rescan();
        return result;
      },

      async serveLibraryModel(libraryId) {
        set({ actions: { ...get().actions, [libraryId]: { action: 'load', since: now() } }, actionErrors: { ...get().actionErrors, [libraryId]: undefined } });
        const served = await transport().call('serveLibraryModel', { id: libraryId });
        if (!served.ok) {
          const actions = { ...get().actions };
          delete actions[libraryId];
          set({ actions, actionErrors: { ...get().actionErrors, [libraryId]: served.error } });
          return;
        }
        const loaded = await get().runAction(served.data.id, 'load');
        const actions = { ...get().actions };
        delete actions[libraryId];
        set({ actions, ...(loaded.ok ? {} : { actionErrors: { ...get().actionErrors, [libraryId]: loaded.error } }) });
      },

      async runAction(id, action) {
        set({ actions: { ...get().actions, [id]: { action, since: now() } }, actionErrors: { ...get().actionErrors, [id]: undefined } });
        const result = await transport().call(action === 'load' ? 'loadModel' : 'unloadModel', { id });
        const actions = { ...get().actions };
        if (!result.ok) {
          delete actions[id];
          set({ actions, actionErrors: { ...get().actionErrors, [id]: result.error } });
          return result;
        }
        const served = (get().served ?? []).map((m) => (m.id === id ? result.data : m));
        acceptServed(served.some((m) => m.id === id) ? served : [...served, result.data]);
        if (result.data.state === 'failed' && result.data.lastError) {
          set({ actionErrors: { ...get().actionErrors, [id]: { code: 'load_failed', message: result.data.lastError } } });
        }
        return result;
      },

      async loadSettings(id) {
        patchSettings(id, { error: null });
        const result = await transport().call('modelSettings', { id });
        patchSettings(id, result.ok ? { view: result.data, error: null } : { error: result.error });
      },

      async saveSettings(id, patch) {
        patchSettings(id, { saving: true, error: null, saved: null });
        const result = await transport().call('updateModelSettings', { id, ...patch });
        if (result.ok) {
          patchSettings(id, {
            view: result.data,
            saving: false,
            saved: result.data.appliesOnNextLoad ? 'Saved — applies the next time the model loads.' : 'Saved and applied.',
          });
        } else {
          patchSettings(id, { saving: false, error: result.error });
        }
        return result;
      },

      previewSetup(id, setup) {
        const previous = get().previews[id];
        set({ previews: { ...get().previews, [id]: { setup, pending: true, fit: previous?.fit ?? null, prediction: previous?.prediction ?? null, error: null } } });
        const timer = previewTimers.get(id);
        if (timer) clearTimeout(timer);
        const seq = (previewSeq.get(id) ?? 0) + 1;
        previewSeq.set(id, seq);
        previewTimers.set(
          id,
          setTimeout(() => {
            previewTimers.delete(id);
            void fetchPreview(id, setup, seq);
          }, debounceMs),
        );
      },

      async searchHub(query) {
        const seq = ++searchSeq;
        patchHub({ query, searching: true, error: null });
        const result = await transport().call('searchHub', { q: query, limit: 30 });
        if (seq !== searchSeq) return;
        patchHub(result.ok ? { searching: false, results: result.data, error: null } : { searching: false, error: result.error });
      },

      async openRepo(repo) {
        const [owner, name] = repo.split('/');
        if (!owner || !name) return;
        const repos = get().hub.repos;
        patchHub({ repos: { ...repos, [repo]: { loading: true, data: repos[repo]?.data ?? null, error: null } } });
        const result = await transport().call('hubFiles', { owner, name });
        patchHub({ repos: { ...get().hub.repos, [repo]: result.ok ? { loading: false, data: result.data, error: null } : { loading: false, data: null, error: result.error } } });
      },
    };
  });

  async function fetchPreview(id: string, setup: SetupDraft, seq: number) {
    const params: SetupParams = { ctx: setup.ctx, slots: setup.slots };
    const t = transport();
    const [fit, prediction] = await Promise.all([
      t.call('fit', { id, ...params }),
      t.call('prediction', { id, ...params, ...(setup.gpuLayers !== null ? { gpuLayers: setup.gpuLayers } : {}) }),
    ]);
    if (previewSeq.get(id) !== seq) return; // a newer setup is on its way
    const previews = useModels.getState().previews;
    useModels.setState({
      previews: {
        ...previews,
        [id]: {
          setup,
          pending: false,
          fit: fit.ok ? fit.data : null,
          prediction: prediction.ok ? prediction.data : null,
          error: fit.ok ? (prediction.ok ? null : prediction.error) : fit.error,
        },
      },
    });
  }

  // Restarts when the engine is back: an error from while it was away (the library, the list) is read over.
  const modelsFeed: RefCounted = refCounted(
    restartOnReconnect(() => {
      void useModels.getState().refreshServed();
      void useModels.getState().loadLibrary();
      void transport()
        .call('decisions', { limit: 50 })
        .then((result) => {
          if (result.ok) useModels.setState({ decisions: [...listData(result.data)].sort((a, b) => b.at - a.at) });
        });
      return transport().subscribe('models', (event) => {
        if (event.type === 'models') {
          const served = listData(event.data);
          useModels.setState({ served, servedError: null, actions: settleActions(useModels.getState().actions, served) });
        } else if (event.type === 'decision') {
          useModels.setState({ decisions: [event.data, ...useModels.getState().decisions].slice(0, KEEP_DECISIONS) });
        }
      });
    }, () => transport().connection),
  );

  return { useModels, modelsFeed };
}

/** Pending actions the served list shows finished (loaded, unloaded or failed) are dropped. */
export function settleActions(actions: ModelsState['actions'], served: readonly ModelView[]): ModelsState['actions'] {
  const next = { ...actions };
  for (const model of served) {
    const pending = next[model.id];
    if (!pending) continue;
    const settled = pending.action === 'load' ? model.state === 'loaded' || model.state === 'failed' : model.state === 'available' || model.state === 'failed';
    if (settled) delete next[model.id];
  }
  return next;
}


const modelsStore = createModelsStore();
export const useModels = modelsStore.useModels;
export const modelsFeed = modelsStore.modelsFeed;
