import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseStream, type WriteSchedule } from '../../../main/runtimes/embedded/sse-stream.js';

/** The parts of ServerResponse that SseStream uses, recording what reaches the socket. */
class FakeResponse extends EventEmitter {
  readonly sent: string[] = [];
  destroyed = false;
  writableEnded = false;
  /** What write() reports: false = the socket buffer is full. */
  accepts = true;
  writeHead(): this {
    return this;
  }
  flushHeaders(): void {}
  write(chunk: string): boolean {
    this.sent.push(chunk);
    return this.accepts;
  }
  end(chunk: string): this {
    this.sent.push(chunk);
    this.writableEnded = true;
    return this;
  }
}

/** A schedule the test runs by hand (in the worker: DecodeDispatch). */
function manualSchedule() {
  const tasks: (() => void)[] = [];
  const schedule: WriteSchedule = { afterNextDispatch: (task) => void tasks.push(task) };
  return { schedule, run: () => tasks.splice(0).forEach((task) => task()), pending: () => tasks.length };
}

function open() {
  const response = new FakeResponse();
  const dispatch = manualSchedule();
  const sse = new SseStream(response as unknown as ServerResponse, dispatch.schedule);
  return { response, dispatch, sse };
}

describe('SseStream (writes behind the decode)', () => {
  it('holds events until the schedule runs, then sends them in order in one write', () => {
    const { response, dispatch, sse } = open();
    expect(sse.write('data: 1\n\n')).toBeUndefined();
    expect(sse.write('data: 2\n\n')).toBeUndefined();
    expect(response.sent).toEqual([]);
    expect(dispatch.pending()).toBe(1);
    dispatch.run();
    expect(response.sent).toEqual(['data: 1\n\ndata: 2\n\n']);
  });

  it('sends what is held before the terminator, and nothing after the end', () => {
    const { response, dispatch, sse } = open();
    sse.write('data: last\n\n');
    sse.done();
    expect(response.sent).toEqual(['data: last\n\ndata: [DONE]\n\n']);
    dispatch.run();
    sse.write('data: late\n\n');
    sse.fail({ error: { message: 'x' } });
    expect(response.sent).toHaveLength(1);
  });

  it('after a write that found the socket buffer full, asks the caller to wait for drain', async () => {
    const { response, dispatch, sse } = open();
    response.accepts = false;
    sse.write('data: 1\n\n');
    dispatch.run();
    const waiting = sse.write('data: 2\n\n');
    expect(waiting).toBeInstanceOf(Promise);
    let drained = false;
    void waiting?.then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    response.accepts = true;
    response.emit('drain');
    await waiting;
    expect(drained).toBe(true);
    expect(sse.write('data: 3\n\n')).toBeUndefined();
    dispatch.run();
    expect(response.sent).toEqual(['data: 1\n\n', 'data: 2\n\ndata: 3\n\n']);
  });

  it('drops what is held when the client has gone, and releases a waiting caller', async () => {
    const { response, dispatch, sse } = open();
    response.accepts = false;
    sse.write('data: 1\n\n');
    dispatch.run();
    const waiting = sse.write('data: 2\n\n');
    response.destroyed = true;
    response.emit('close');
    await waiting;
    dispatch.run();
    expect(response.sent).toEqual(['data: 1\n\n']);
    expect(sse.closed).toBe(true);
  });
});
