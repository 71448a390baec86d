/**
 * Routes, providers, privacy, the response cache: what the Routing page
 * edits and shows. The routing config is edited as a draft and saved whole
 * with PUT /routing (the engine validates it and applies it without a
 * restart); an error the engine ties to a field is kept under that field's
 * path (e.g. `routes.chat.targets.0`) so the page shows it beside the field.
 */
import { create } from 'zustand';
import type { CacheStatsView, ContractError, ListOf, ProviderView, RoutingView, Transport } from '../../preload/contract.js';
import type { ProviderConfig, RouteConfig, RoutingConfig } from '../../main/config/routing-schema.js';
import { transport as defaultTransport } from '../lib/transport.js';

export type { ProviderConfig, RouteConfig, RoutingConfig };

/** The draft as edited: routes and providers by name, in the order shown. */
export interface RoutingDraft {
  readonly routes: readonly { readonly name: string; readonly route: RouteDraft }[];
  readonly providers: readonly { readonly name: string; readonly provider: ProviderDraft }[];
}

export type RouteDraft = Partial<RouteConfig> & { readonly targets: readonly string[] };
export type ProviderDraft = Partial<ProviderConfig> & { readonly baseUrl: string };

export interface RoutingState {
  readonly config: RoutingConfig | null;
  readonly loadError: ContractError | null;
  readonly draft: RoutingDraft;
  readonly dirty: boolean;
  readonly saving: boolean;
  /** Field path → the engine's words about it. */
  readonly fieldErrors: Readonly<Record<string, string>>;
  /** A save error not tied to a field. */
  readonly saveError: ContractError | null;
  readonly saved: string | null;
  /** The engine's warnings about the saved routes (targets naming no model it serves); read-only, never sent back. */
  readonly warnings: readonly string[];
  readonly privacyBusy: boolean;
  readonly providers: readonly ProviderView[] | null;
  readonly providersError: ContractError | null;
  readonly cache: CacheStatsView | null;
  readonly cacheError: ContractError | null;
  /** What the last Clear did ("Cleared 12 entries"). */
  readonly cacheNotice: string | null;
  readonly clearing: string | null;
  load(): Promise<void>;
  editRoute(index: number, patch: Partial<RouteDraft> & { readonly name?: string }): void;
  addRoute(): void;
  removeRoute(index: number): void;
  editProvider(index: number, patch: Partial<ProviderDraft> & { readonly name?: string }): void;
  addProvider(): void;
  removeProvider(index: number): void;
  discard(): void;
  save(): Promise<boolean>;
  setPrivacy(on: boolean): Promise<void>;
  refreshCache(): Promise<void>;
  /** Clears the whole cache, or one route's entries. */
  clearCache(route?: string): Promise<void>;
}

export function draftFrom(config: RoutingConfig | null): RoutingDraft {
  return {
    routes: Object.entries(config?.routes ?? {}).map(([name, route]) => ({ name, route })),
    providers: Object.entries(config?.providers ?? {}).map(([name, provider]) => ({ name, provider })),
  };
}

/** The save error's code when names stopped the save. */
const NAMES_ERROR = 'invalid_names';

/**
 * Names the draft cannot be saved with, by field path (as the engine's errors
 * are): an empty name, or one used twice (the config is keyed by name, so one
 * of the two would be lost). Empty when the names are fine.
 */
export function draftProblems(draft: RoutingDraft): Record<string, string> {
  const problems: Record<string, string> = {};
  const check = (kind: 'routes' | 'providers', names: readonly string[]) => {
    const word = kind === 'routes' ? 'route' : 'provider';
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name.trim(), (counts.get(name.trim()) ?? 0) + 1);
    for (const name of names) {
      const key = name.trim();
      if (!key) problems[`${kind}.${name}`] = kind === 'routes' ? 'Give this route a name: it is the model name apps ask for.' : 'Give this provider a name: targets name it as provider:model.';
      else if ((counts.get(key) ?? 0) > 1) problems[`${kind}.${name}`] = `Two ${word}s are named “${key}”: give each its own name, or remove one.`;
    }
  };
  check('routes', draft.routes.map((r) => r.name));
  check('providers', draft.providers.map((p) => p.name));
  return problems;
}

/** The body of PUT /routing: the draft, with the parts of the config the page does not edit kept as they are. */
export function configFromDraft(draft: RoutingDraft, base: RoutingConfig | null, privacy?: boolean): Record<string, unknown> {
  return {
    ...(base ?? {}),
    routes: Object.fromEntries(draft.routes.map(({ name, route }) => [name.trim(), { ...route, targets: route.targets.filter((t) => t.trim()) }])),
    providers: Object.fromEntries(draft.providers.map(({ name, provider }) => [name.trim(), provider])),
    privacy: privacy ?? base?.privacy ?? false,
  };
}

/**
 * Which fields an engine error is about. The path comes from the error's
 * `param` when the transport carries it; otherwise from the `path: problem`
 * parts of the message (how config errors name their fields, e.g.
 * "The routing config is invalid: routes.chat.targets.1: no provider …").
 */
export function fieldsOf(error: ContractError & { readonly param?: string | null }): Record<string, string> {
  const found: Record<string, string> = {};
  const pattern = /((?:routes|providers|privacy|breaker)(?:\.[^\s:;]+)*): ([^;]+)/g;
  for (const match of error.message.matchAll(pattern)) found[normalisePath(match[1]!)] = match[2]!.trim();
  if (Object.keys(found).length === 0 && typeof error.param === 'string' && error.param) found[normalisePath(error.param)] = error.message;
  return found;
}

function normalisePath(path: string): string {
  return path.replace(/\[(\d+|"[^"]*"|'[^']*')\]/g, (_all, key: string) => `.${key.replace(/^["']|["']$/g, '')}`).replace(/^\./, '');
}

export function createRoutingStore(options: { readonly transport?: () => Transport } = {}) {
  const transport = options.transport ?? defaultTransport;

  return create<RoutingState>()((set, get) => {
    async function put(body: Record<string, unknown>): Promise<boolean> {
      const result = await transport().call('updateRouting', body);
      if (result.ok) {
        const { config, warnings } = splitView(result.data);
        set({ config, warnings, draft: draftFrom(config), dirty: false, fieldErrors: {}, saveError: null, saved: 'Saved and applied — no restart needed.' });
        return true;
      }
      set({ fieldErrors: fieldsOf(result.error), saveError: result.error });
      return false;
    }

    const editDraft = (update: (draft: RoutingDraft) => RoutingDraft) => {
      const draft = update(get().draft);
      // After a save stopped by names, the marks follow the edits: a name fixed loses its mark at once.
      if (get().saveError?.code === NAMES_ERROR) {
        const problems = draftProblems(draft);
        const clear = Object.keys(problems).length === 0;
        set({ draft, dirty: true, saved: null, fieldErrors: problems, ...(clear ? { saveError: null } : {}) });
        return;
      }
      set({ draft, dirty: true, saved: null });
    };

    return {
      config: null,
      loadError: null,
      draft: draftFrom(null),
      dirty: false,
      saving: false,
      fieldErrors: {},
      saveError: null,
      saved: null,
      warnings: [],
      privacyBusy: false,
      providers: null,
      providersError: null,
      cache: null,
      cacheError: null,
      cacheNotice: null,
      clearing: null,

      async load() {
        const t = transport();
        const [routing, providers] = await Promise.all([t.call('routing'), t.call('providers'), get().refreshCache()]);
        if (routing.ok) {
          const { config, warnings } = splitView(routing.data);
          set({ config, warnings, loadError: null, ...(get().dirty ? {} : { draft: draftFrom(config) }) });
        } else {
          set({ loadError: routing.error });
        }
        set(providers.ok ? { providers: listOf(providers.data), providersError: null } : { providersError: providers.error });
      },

      editRoute(index, patch) {
        editDraft((draft) => ({
          ...draft,
          routes: draft.routes.map((entry, i) => {
            if (i !== index) return entry;
            const { name, ...route } = patch;
            return { name: name ?? entry.name, route: { ...entry.route, ...route } };
          }),
        }));
      },
      addRoute() {
        editDraft((draft) => ({ ...draft, routes: [...draft.routes, { name: uniqueName('route', draft.routes.map((r) => r.name)), route: { targets: [] } }] }));
      },
      removeRoute(index) {
        editDraft((draft) => ({ ...draft, routes: draft.routes.filter((_, i) => i !== index) }));
      },
      editProvider(index, patch) {
        editDraft((draft) => ({
          ...draft,
          providers: draft.providers.map((entry, i) => {
            if (i !== index) return entry;
            const { name, ...provider } = patch;
            return { name: name ?? entry.name, provider: { ...entry.provider, ...provider } };
          }),
        }));
      },
      addProvider() {
        editDraft((draft) => ({ ...draft, providers: [...draft.providers, { name: uniqueName('provider', draft.providers.map((p) => p.name)), provider: { baseUrl: '', kind: 'cloud' } }] }));
      },
      removeProvider(index) {
        editDraft((draft) => ({ ...draft, providers: draft.providers.filter((_, i) => i !== index) }));
      },
      discard() {
        set({ draft: draftFrom(get().config), dirty: false, fieldErrors: {}, saveError: null, saved: null });
      },

      async save() {
        // Names are the config's keys: an empty or repeated one would be refused in engine words, or silently keep only one of two.
        const problems = draftProblems(get().draft);
        if (Object.keys(problems).length > 0) {
          set({ fieldErrors: problems, saveError: { code: NAMES_ERROR, message: 'Every route and every provider needs a name of its own: fix the names marked below, then save again.' }, saved: null });
          return false;
        }
        set({ saving: true, saved: null });
        try {
          return await put(configFromDraft(get().draft, get().config));
        } finally {
          set({ saving: false });
        }
      },

      async setPrivacy(on) {
        // The switch applies at once and only changes privacy: the saved routes, not the draft, go with it.
        set({ privacyBusy: true });
        const { config } = get();
        const result = await transport().call('updateRouting', { ...(config ?? {}), privacy: on });
        if (result.ok) {
          const { config: next, warnings } = splitView(result.data);
          set({ config: next, warnings, ...(get().dirty ? {} : { draft: draftFrom(next) }), saveError: null });
        } else {
          set({ saveError: { code: result.error.code, message: `Privacy mode was not changed: ${result.error.message}` } });
        }
        set({ privacyBusy: false });
      },

      async refreshCache() {
        const result = await transport().call('cache');
        if (result.ok) set({ cache: result.data, cacheError: null });
        else set({ cacheError: result.error });
      },

      async clearCache(route) {
        set({ clearing: route ?? '*', cacheNotice: null });
        const result = await transport().call('clearCache', route ? { route } : {});
        if (result.ok) {
          const n = result.data.removed;
          set({ cacheNotice: `Cleared ${n} ${n === 1 ? 'entry' : 'entries'}${route ? ` of route ${route}` : ''}.`, cacheError: null });
        } else {
          set({ cacheError: { code: result.error.code, message: `The cache was not cleared: ${result.error.message}` } });
        }
        set({ clearing: null });
        await get().refreshCache();
      },
    };
  });
}

/** GET and PUT /routing answer the config plus the engine's warnings: the warnings are kept apart so they are never sent back as config. */
export function splitView(view: RoutingView): { readonly config: RoutingConfig; readonly warnings: readonly string[] } {
  const { warnings, ...config } = view;
  return { config: config as unknown as RoutingConfig, warnings: Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string') : [] };
}

function uniqueName(base: string, taken: readonly string[]): string {
  for (let i = 1; ; i += 1) {
    const name = i === 1 ? `new-${base}` : `new-${base}-${i}`;
    if (!taken.includes(name)) return name;
  }
}

function listOf<T>(value: ListOf<T> | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : ((value as ListOf<T>).data ?? []);
}

export const useRouting = createRoutingStore();
