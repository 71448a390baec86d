/**
 * The HTTP transport's subscriptions resume where they were: a stream that
 * ends and is reopened sends back the last event id the engine gave (as a
 * browser's EventSource does), so the engine sends only what came after.
 */
import { describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../renderer/lib/transport-http.js';

function eventStream(text: string): Response {
  return new Response(new ReadableStream({ start(controller) { controller.enqueue(new TextEncoder().encode(text)); controller.close(); } }), { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

describe('HTTP transport: resuming a subscription', () => {
  it('reopens an ended stream with Last-Event-ID set to the last id it read, and none the first time', async () => {
    const sent: (string | null)[] = [];
    const bodies = [
      'id: 1000.2\nevent: lines\ndata: {"runtime":"r","lines":[]}\n\nid: 1500.1\nevent: lines\ndata: {"runtime":"r","lines":[]}\n\n',
      'event: lines\ndata: {"runtime":"r","lines":[]}\n\n',
      'id: 2000.1\nevent: lines\ndata: {"runtime":"r","lines":[]}\n\n',
    ];
    const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get('last-event-id'));
      return eventStream(bodies[Math.min(sent.length - 1, bodies.length - 1)]!);
    }) as typeof globalThis.fetch;
    const transport = createHttpTransport({ baseUrl: 'http://127.0.0.1:1', fetch, backoff: { initialMs: 1, maxMs: 2 } });
    const stop = transport.subscribe('runtimeLogs', { id: 'r' }, () => undefined);
    const deadline = Date.now() + 5000;
    while (sent.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop();
    // An event without an id keeps the last one (as EventSource does).
    expect(sent.slice(0, 4)).toEqual([null, '1500.1', '1500.1', '2000.1']);
  });
});
