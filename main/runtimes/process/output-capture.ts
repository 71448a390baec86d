/**
 * A child's stdout or stderr into the runtime's log ring buffer, line by
 * line (long lines truncated by the splitter), flushing a last partial line
 * when the stream ends.
 */
import type { Readable } from 'node:stream';
import { LineSplitter } from './log-buffer.js';
import type { LogBuffer } from './log-buffer.js';

export function captureOutput(options: {
  readonly stream: Readable;
  readonly name: 'stdout' | 'stderr';
  readonly buffer: LogBuffer;
  readonly maxLineChars: number;
  /** A stream error, as a note for the log. */
  readonly onError: (line: string) => void;
}): void {
  const { stream, name, buffer } = options;
  const splitter = new LineSplitter({
    maxLineChars: options.maxLineChars,
    onLine: (line, dropped) => buffer.push(name, line, dropped),
  });
  let ended = false;
  const flush = (): void => {
    if (ended) return;
    ended = true;
    splitter.end();
  };
  stream.on('data', (chunk: Buffer) => splitter.write(chunk));
  stream.once('end', flush);
  stream.once('close', flush);
  stream.on('error', (error) => options.onError(`${name} error: ${error.message}`));
}
