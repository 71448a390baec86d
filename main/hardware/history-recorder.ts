/**
 * Records live hardware samples into a SampleHistory for as long as the
 * engine runs, so the panel's charts have the last minutes to draw when they
 * open. By default it runs a monitor of its own (main/hardware/live.ts): a
 * read of /proc/meminfo and /proc/stat every 2 s (about 1.5 ms of CPU, no
 * process spawned), plus, on a machine with an NVIDIA driver (`pollGpus`),
 * one asynchronous nvidia-smi query (a short-lived child process), so GPU use
 * is charted from before the page opened too. No hardware probe. Recording
 * starts a few seconds after the engine, never beside a cold start.
 */
import { createLiveMonitor, type LiveSample } from './live.js';
import { createSampleHistory, type HardwareHistoryView, type SampleHistory } from './sample-history.js';

export interface HistoryRecorderOptions {
  /** Subscribe to the live samples; resolves to the unsubscribe. Default: a RAM and CPU monitor of its own. */
  readonly subscribe?: (listener: (sample: LiveSample) => void) => Promise<() => void>;
  /** Query NVIDIA GPUs on each sample (the engine passes hasCudaGpu()); default false. */
  readonly pollGpus?: boolean;
  /** The monitor's sampling interval (ms); default 2000. */
  readonly intervalMs?: number;
  /** How long a span to keep (ms); default 10 minutes. */
  readonly keepMs?: number;
  /** Delay before recording starts (ms); default 5000. */
  readonly startAfterMs?: number;
  /** Told when subscribing fails (recording then stays off). */
  readonly onError?: (error: unknown) => void;
}

export interface HistoryRecorder {
  view(since?: number): HardwareHistoryView;
  readonly history: SampleHistory;
  /** Stop recording (the samples kept stay readable). */
  stop(): void;
}

export function startHistoryRecorder(options: HistoryRecorderOptions): HistoryRecorder {
  const intervalMs = options.intervalMs ?? 2000;
  const history = createSampleHistory(Math.max(1, Math.ceil((options.keepMs ?? 10 * 60_000) / intervalMs)));
  let stopped = false;
  let recording = false;
  let unsubscribe: (() => void) | null = null;

  const subscribe =
    options.subscribe ?? (async (listener: (sample: LiveSample) => void) => createLiveMonitor({ intervalMs, pollGpus: options.pollGpus ?? false, onError: options.onError }).subscribe(listener));
  const start = async () => {
    if (stopped) return;
    try {
      const stop = await subscribe((sample) => history.push(sample));
      if (stopped) return stop();
      unsubscribe = stop;
      recording = true;
    } catch (error) {
      options.onError?.(error);
    }
  };
  const timer = setTimeout(() => void start(), options.startAfterMs ?? 5000);
  timer.unref?.();

  return {
    history,
    view(since) {
      return { samples: history.samples(since), intervalMs, capacity: history.capacity, recording };
    },
    stop() {
      stopped = true;
      recording = false;
      clearTimeout(timer);
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
