import { describe, expect, it } from 'vitest';
import { StopStringDetector } from '../../../main/runtimes/embedded/stop-strings.js';

/** Feed pieces; return what was released and whether it stopped. */
function run(stops: string[], pieces: string[]): { text: string; stopped: boolean } {
  const detector = new StopStringDetector(stops);
  let text = '';
  for (const piece of pieces) {
    const scan = detector.push(piece);
    text += scan.text;
    if (scan.stopped) return { text, stopped: true };
  }
  return { text: text + detector.flush(), stopped: false };
}

describe('StopStringDetector', () => {
  it('passes text through when there are no stop strings', () => {
    expect(run([], ['a', 'b'])).toEqual({ text: 'ab', stopped: false });
  });

  it('cuts before a stop string inside one piece', () => {
    expect(run(['END'], ['abcENDdef'])).toEqual({ text: 'abc', stopped: true });
  });

  it('finds a stop string split across pieces and never releases its start', () => {
    const detector = new StopStringDetector(['\nUser:']);
    expect(detector.push('Hello\nUs')).toEqual({ text: 'Hello', stopped: false });
    expect(detector.push('er')).toEqual({ text: '', stopped: false });
    expect(detector.push(': hi')).toEqual({ text: '', stopped: true, matched: '\nUser:' });
  });

  it('names the stop string that ended the text, the earliest when several are present', () => {
    const detector = new StopStringDetector(['dog', 'cat']);
    expect(detector.push('a cat and a dog')).toEqual({ text: 'a ', stopped: true, matched: 'cat' });
  });

  it('releases held text once it can no longer start a stop string', () => {
    const detector = new StopStringDetector(['STOP']);
    expect(detector.push('aST')).toEqual({ text: 'a', stopped: false });
    expect(detector.push('ART')).toEqual({ text: 'START', stopped: false });
  });

  it('uses the earliest of several stop strings', () => {
    expect(run(['world', 'lo w'], ['hello', ' world'])).toEqual({ text: 'hel', stopped: true });
  });

  it('flush() releases a held prefix when generation ends otherwise', () => {
    expect(run(['</s>'], ['done </'])).toEqual({ text: 'done </', stopped: false });
  });
});
