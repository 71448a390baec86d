/**
 * The log tail across a dropped log stream: each connection starts with the
 * runtime's buffer so far, and the tail used to append it again (every line
 * twice after one reconnect). A replay adds only what is new; a restarted
 * engine's lines (new times) are added as they come.
 */
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../preload/contract.js';
import { createRuntimesStore, newLines } from '../../renderer/stores/runtimes.js';
import { fakeTransport, manualFrames } from './playground-fakes.js';

const line = (at: number, text: string): LogLine => ({ at, stream: 'supervisor', line: text });

describe('newLines', () => {
  it('adds a replayed buffer only from where the tail ends, and fresh lines whole', () => {
    const shown = [line(1, 'starting'), line(2, 'ready')];
    expect(newLines(shown, [line(1, 'starting'), line(2, 'ready'), line(3, 'request')])).toEqual([line(3, 'request')]);
    expect(newLines(shown, [line(10, 'starting'), line(11, 'ready')])).toEqual([line(10, 'starting'), line(11, 'ready')]);
    // The same words at a new time are a new line (a second start), not a replay.
    expect(newLines(shown, [line(3, 'ready')])).toEqual([line(3, 'ready')]);
    expect(newLines([], [line(1, 'starting')])).toEqual([line(1, 'starting')]);
  });
});

describe('runtimes store log tail', () => {
  it('shows each line once after the log stream reconnects', () => {
    const fake = fakeTransport();
    const frames = manualFrames();
    const { useRuntimes } = createRuntimesStore({ transport: () => fake.transport, scheduler: frames });
    const stop = useRuntimes.getState().tail('embedded:a');
    fake.emit('runtimeLogs', 'lines', { runtime: 'embedded:a', lines: [line(1, 'starting'), line(2, 'ready')] });
    fake.emit('runtimeLogs', 'lines', { runtime: 'embedded:a', lines: [line(3, 'request 1')] });
    // The stream dropped and came back: the buffer so far, then a new line.
    fake.emit('runtimeLogs', 'lines', { runtime: 'embedded:a', lines: [line(1, 'starting'), line(2, 'ready'), line(3, 'request 1'), line(4, 'request 2')] });
    frames.run();
    expect(useRuntimes.getState().log.lines.map((l) => l.line)).toEqual(['starting', 'ready', 'request 1', 'request 2']);
    stop();
  });
});
