import { describe, expect, it } from 'vitest';
import { configFromDraft, createRoutingStore, draftFrom, fieldsOf, type RoutingConfig } from '../../renderer/stores/routing.js';
import { fail, fakeTransport, ok } from './playground-fakes.js';

const CONFIG = {
  providers: { openai: { baseUrl: 'https://api.openai.com/v1', kind: 'cloud', prices: {}, contextTokens: {} } },
  routes: {
    chat: {
      targets: ['local:stories', 'openai:gpt-4o-mini'],
      policy: 'prefer-local',
      maxQueueWaitMs: 2000,
      firstByteTimeoutMs: 60000,
      idleTimeoutMs: 30000,
      retries: 1,
      cache: { enabled: true, allowSampling: false },
      aliases: [],
    },
  },
  privacy: false,
  breaker: { failures: 3, cooldownMs: 5000, maxCooldownMs: 60000 },
} as unknown as RoutingConfig;

interface PutBody {
  readonly routes: Record<string, { targets: string[] }>;
  readonly providers: Record<string, unknown>;
  readonly breaker: unknown;
  readonly privacy: boolean;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('routing store', () => {
  it('loads the config as an editable draft and saves it whole, keeping what the page does not edit', async () => {
    const fake = fakeTransport();
    fake.on('routing', () => ok(CONFIG));
    fake.on('providers', () => ok({ object: 'list', data: [] }));
    fake.on('cache', () => ok({ hits: 1, misses: 3, entries: 1, bytes: 900, byRoute: {} }));
    fake.on('updateRouting', (body) => ok(body));
    const useRouting = createRoutingStore({ transport: () => fake.transport });
    await useRouting.getState().load();
    expect(useRouting.getState().draft.routes.map((r) => r.name)).toEqual(['chat']);
    expect(useRouting.getState().dirty).toBe(false);

    useRouting.getState().editRoute(0, { name: 'fast', targets: ['local:stories', ''] });
    useRouting.getState().addProvider();
    useRouting.getState().editProvider(1, { name: 'den-pc', baseUrl: 'http://den-pc.local:11434/v1', kind: 'self-hosted' });
    expect(useRouting.getState().dirty).toBe(true);
    expect(await useRouting.getState().save()).toBe(true);

    const body = fake.calls.find((c) => c.name === 'updateRouting')!.params as PutBody;
    expect(Object.keys(body.routes)).toEqual(['fast']);
    expect(body.routes.fast?.targets).toEqual(['local:stories']); // the empty line being typed is not sent
    expect(body.providers['den-pc']).toEqual({ baseUrl: 'http://den-pc.local:11434/v1', kind: 'self-hosted' });
    expect(body.breaker).toEqual(CONFIG.breaker);
    expect(useRouting.getState().dirty).toBe(false);
    expect(useRouting.getState().saved).toMatch(/applied/);
  });

  it('keeps an engine error under the field it names', async () => {
    const fake = fakeTransport();
    fake.on('routing', () => ok(CONFIG));
    fake.on('providers', () => ok({ object: 'list', data: [] }));
    fake.on('cache', () => ok({}));
    fake.on('updateRouting', () => fail('invalid_value', 'The routing config is invalid: routes.chat.targets.1: no provider "nope" (add it under providers, or write local:nope for a local model)'));
    const useRouting = createRoutingStore({ transport: () => fake.transport });
    await useRouting.getState().load();
    useRouting.getState().editRoute(0, { targets: ['local:stories', 'nope:x'] });
    expect(await useRouting.getState().save()).toBe(false);
    expect(useRouting.getState().fieldErrors).toEqual({ 'routes.chat.targets.1': 'no provider "nope" (add it under providers, or write local:nope for a local model)' });
    expect(useRouting.getState().saveError?.message).toMatch(/^The routing config is invalid: /);
    expect(useRouting.getState().dirty).toBe(true); // the draft stays for the user to fix
    useRouting.getState().discard();
    expect(useRouting.getState().fieldErrors).toEqual({});
    expect(useRouting.getState().draft).toEqual(draftFrom(CONFIG));
  });

  it('reads every field a message names, else the `param` the error carries', () => {
    expect(fieldsOf({ code: 'invalid_value', message: 'The routing config is invalid: routes.a.targets.0: no provider "x"; providers.p.baseUrl: an http:// or https:// URL' })).toEqual({
      'routes.a.targets.0': 'no provider "x"',
      'providers.p.baseUrl': 'an http:// or https:// URL',
    });
    expect(fieldsOf({ code: 'invalid_value', message: 'must be a URL', param: 'providers.openai.baseUrl' } as never)).toEqual({ 'providers.openai.baseUrl': 'must be a URL' });
    expect(Object.keys(fieldsOf({ code: 'x', message: 'y', param: 'routes["my.route"].targets[0]' } as never))).toEqual(['routes.my.route.targets.0']);
    expect(fieldsOf({ code: 'x', message: 'Something else broke' })).toEqual({});
  });

  it('switches privacy mode at once, with the saved config rather than the draft', async () => {
    const fake = fakeTransport();
    fake.on('routing', () => ok(CONFIG));
    fake.on('providers', () => ok({ object: 'list', data: [] }));
    fake.on('cache', () => ok({}));
    fake.on('updateRouting', (body) => ok(body));
    const useRouting = createRoutingStore({ transport: () => fake.transport });
    await useRouting.getState().load();
    useRouting.getState().editRoute(0, { name: 'unsaved' });
    await useRouting.getState().setPrivacy(true);
    const body = fake.calls.find((c) => c.name === 'updateRouting')!.params as PutBody;
    expect(body.privacy).toBe(true);
    expect(Object.keys(body.routes)).toEqual(['chat']);
    expect(useRouting.getState().config?.privacy).toBe(true);
    expect(useRouting.getState().draft.routes[0]?.name).toBe('unsaved');
  });

  it('clears the cache (all or one route) and says how much went', async () => {
    const fake = fakeTransport();
    let entries = 4;
    fake.on('cache', () => ok({ hits: 0, misses: 0, entries, bytes: 0, byRoute: {} }));
    fake.on('clearCache', (params) => {
      const cleared = (params as { route?: string }).route ? 1 : entries;
      entries -= cleared;
      return ok({ removed: cleared });
    });
    const useRouting = createRoutingStore({ transport: () => fake.transport });
    await useRouting.getState().clearCache('chat');
    expect(fake.calls.find((c) => c.name === 'clearCache')?.params).toEqual({ route: 'chat' });
    expect(useRouting.getState().cacheNotice).toBe('Cleared 1 entry of route chat.');
    await useRouting.getState().clearCache();
    await tick();
    expect(useRouting.getState().cacheNotice).toBe('Cleared 3 entries.');
    expect(useRouting.getState().cache).toMatchObject({ entries: 0 });
  });

  it('builds the PUT body from a draft', () => {
    const body = configFromDraft(draftFrom(CONFIG), CONFIG, true);
    expect(body).toMatchObject({ privacy: true, routes: { chat: { targets: ['local:stories', 'openai:gpt-4o-mini'] } } });
  });
});
