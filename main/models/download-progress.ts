/**
 * Turns "N more bytes arrived" into throttled progress reports with a rate
 * and an ETA. The rate is measured over a short sliding window so it follows
 * the connection as it speeds up or slows down.
 */
import type { DownloadProgress } from './download-events.js';

const RATE_WINDOW_MS = 5_000;

export interface ProgressMeterOptions {
  readonly bytesTotal: number;
  /** Bytes already on disk when the meter starts (resumed parts, finished files). */
  readonly bytesDone: number;
  /** Minimum time between two reports; 0 reports every change. */
  readonly intervalMs: number;
  readonly now: () => number;
  readonly report: (progress: DownloadProgress) => void;
}

export class ProgressMeter {
  private bytesDone: number;
  private file = '';
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private lastReportedBytes = -1;
  /** (time, bytes transferred by this session) samples inside the rate window. */
  private samples: { at: number; transferred: number }[] = [];
  private transferred = 0;

  constructor(private readonly options: ProgressMeterOptions) {
    this.bytesDone = options.bytesDone;
    this.samples.push({ at: options.now(), transferred: 0 });
  }

  /** Which file the following bytes belong to. */
  setFile(file: string): void {
    this.file = file;
  }

  /** Bytes that were already there (a re-hashed part or a verified file): no effect on the rate. */
  addExisting(bytes: number): void {
    this.bytesDone += bytes;
    this.maybeReport();
  }

  /** Bytes that just arrived over the network. */
  addTransferred(bytes: number): void {
    this.bytesDone += bytes;
    this.transferred += bytes;
    this.maybeReport();
  }

  /** A part was thrown away (the server restarted from byte 0): progress goes back by `bytes`. */
  discard(bytes: number): void {
    this.bytesDone -= bytes;
    this.maybeReport(true);
  }

  /** Reports now if anything changed since the last report. */
  flush(): void {
    this.maybeReport(true);
  }

  snapshot(): DownloadProgress {
    const now = this.options.now();
    this.samples.push({ at: now, transferred: this.transferred });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? now) <= now - RATE_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0];
    const elapsedSec = oldest ? (now - oldest.at) / 1000 : 0;
    const rate = oldest && elapsedSec > 0 ? (this.transferred - oldest.transferred) / elapsedSec : 0;
    const remaining = Math.max(this.options.bytesTotal - this.bytesDone, 0);
    const etaSec = remaining === 0 ? 0 : rate > 0 ? remaining / rate : null;
    return { bytesDone: this.bytesDone, bytesTotal: this.options.bytesTotal, rateBytesPerSec: rate, etaSec, file: this.file };
  }

  private maybeReport(force = false): void {
    const now = this.options.now();
    if (this.bytesDone === this.lastReportedBytes) return;
    if (!force && now - this.lastReportAt < this.options.intervalMs && this.bytesDone < this.options.bytesTotal) return;
    this.lastReportAt = now;
    this.lastReportedBytes = this.bytesDone;
    this.options.report(this.snapshot());
  }
}
