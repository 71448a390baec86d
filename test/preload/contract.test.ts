import { describe, expect, expectTypeOf, it } from 'vitest';
import { CALLS, STREAMS, SUBSCRIPTIONS, type CallArgs, type DataOf, type Calls, type SubscribeArgs, type SubscriptionEvent, type RuntimeLogsView } from '../../preload/contract.js';
import { BindingError, bindCall, bindStream, bindSubscription, errorFrom, toResult } from '../../preload/http-binding.js';

// The contract's HTTP binding as data, and its types (checked by `tsc` over test/: a wrong param
// or event type here fails the typecheck step).

describe('binding calls to HTTP', () => {
  it('fills path params (encoded), puts the rest in the query for GET and DELETE', () => {
    expect(bindCall(CALLS.runtimeLogs, { id: 'embedded:llama/3' })).toEqual({ method: 'GET', url: '/homeport/v1/runtimes/embedded%3Allama%2F3/logs' });
    expect(bindCall(CALLS.requests, { tier: 'local', limit: 5, model: undefined })).toEqual({ method: 'GET', url: '/homeport/v1/requests?tier=local&limit=5' });
    expect(bindCall(CALLS.clearCache, { route: 'chat' })).toEqual({ method: 'DELETE', url: '/homeport/v1/cache?route=chat' });
    expect(bindCall(CALLS.status, undefined)).toEqual({ method: 'GET', url: '/homeport/v1/status' });
  });

  it('sends the rest as a JSON body for POST, PUT and PATCH, and in the query when the call says so', () => {
    expect(bindCall(CALLS.setSecret, { name: 'openai', value: 'sk-x' })).toEqual({ method: 'PUT', url: '/homeport/v1/secrets/openai', body: '{"value":"sk-x"}' });
    expect(bindCall(CALLS.updateModelSettings, { id: 'm', ctx: 1024 })).toEqual({ method: 'PATCH', url: '/homeport/v1/models/m/settings', body: '{"ctx":1024}' });
    expect(bindCall(CALLS.rescanLibrary, { ctx: 4096 })).toEqual({ method: 'POST', url: '/homeport/v1/library/rescan?ctx=4096' });
    expect(bindCall(CALLS.refreshRuntimes, undefined)).toEqual({ method: 'POST', url: '/homeport/v1/runtimes/refresh' });
  });

  it('refuses a call without its path param instead of requesting a wrong URL', () => {
    expect(() => bindCall(CALLS.loadModel, {})).toThrow(BindingError);
    expect(() => bindCall(CALLS.loadModel, { id: '' })).toThrow(/needs "id"/);
  });

  it('binds subscriptions and streams', () => {
    expect(bindSubscription(SUBSCRIPTIONS.download, { id: 'd1' })).toBe('/homeport/v1/downloads/d1/events');
    expect(bindSubscription(SUBSCRIPTIONS.status, undefined)).toBe('/homeport/v1/events/status');
    expect(bindStream(STREAMS.chat, { model: 'm', stream: true })).toEqual({ method: 'POST', url: '/v1/chat/completions', body: '{"model":"m","stream":true}' });
    expect(SUBSCRIPTIONS.download.endsAfter).toEqual(['done', 'error', 'cancelled']);
  });
});

describe('answers as results', () => {
  it('turns JSON, text and empty answers into data, and OpenAI-shaped errors into words', async () => {
    expect(await toResult(new Response('{"a":1}', { headers: { 'content-type': 'application/json' } }))).toEqual({ ok: true, data: { a: 1 } });
    expect(await toResult(new Response('# Title', { headers: { 'content-type': 'text/markdown' } }))).toEqual({ ok: true, data: '# Title' });
    expect(await toResult(new Response(null, { status: 204 }))).toEqual({ ok: true, data: null });
    const error = await toResult(new Response('{"error":{"message":"No model \\"x\\".","type":"invalid_request_error","param":"id","code":"model_not_found"}}', { status: 404 }));
    expect(error).toEqual({ ok: false, error: { code: 'model_not_found', message: 'No model "x".', param: 'id' } });
    expect(errorFrom(502, undefined, '')).toEqual({ code: 'http_502', message: 'The engine answered 502.' });
    expect(errorFrom(401, undefined, '').message).toContain('homeport panel-url');
  });
});

describe('the contract\'s types', () => {
  it('gives each call its params and data, and each subscription its events', () => {
    expectTypeOf<CallArgs<'status'>>().toEqualTypeOf<[]>();
    expectTypeOf<CallArgs<'loadModel'>>().toEqualTypeOf<[params: { id: string }]>();
    expectTypeOf<SubscribeArgs<'runtimeLogs'>>().toEqualTypeOf<[params: { id: string }]>();
    expectTypeOf<SubscribeArgs<'status'>>().toEqualTypeOf<[]>();
    expectTypeOf<DataOf<Calls['setSecret']>>().toEqualTypeOf<null>();
    expectTypeOf<Extract<SubscriptionEvent<'runtimeLogs'>, { type: 'lines' }>['data']>().toEqualTypeOf<RuntimeLogsView>();
    expect(Object.keys(CALLS).length).toBeGreaterThan(40);
  });
});
