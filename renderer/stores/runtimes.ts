/**
 * Runtimes: what was detected and why anything cannot serve (GET /runtimes),
 * start / stop / restart with their progress and errors, and a live log tail
 * of one runtime at a time. Live state (state, pid, port, restarts) comes with
 * the engine status (stores/status.ts).
 */
import { create } from 'zustand';
import type { ContractError, LogLine, Result, RuntimeLogsView, RuntimeSnapshot, RuntimesInfoView, Transport } from '../../preload/contract.js';
import { createFrameBatch, type FrameScheduler } from '../lib/frame-batch.js';
import { subscribeWithParams } from '../lib/subscribe-with-params.js';
import { transport as defaultTransport } from '../lib/transport.js';

export type RuntimeAction = 'start' | 'stop' | 'restart';

export interface RuntimesState {
  readonly info: RuntimesInfoView | null;
  readonly infoError: ContractError | null;
  readonly refreshing: boolean;
  readonly actions: Readonly<Record<string, RuntimeAction | undefined>>;
  readonly actionErrors: Readonly<Record<string, ContractError | undefined>>;
  /** The runtime whose log is tailed, its lines (oldest first) and any error reading them. */
  readonly log: { readonly runtime: string | null; readonly lines: readonly LogLine[]; readonly error: ContractError | null };
  loadInfo(): Promise<void>;
  /** Ask the daemons again which models they have. */
  refresh(): Promise<void>;
  run(id: string, action: RuntimeAction): Promise<Result<RuntimeSnapshot>>;
  /** Tail this runtime's log (null stops tailing). Returns the stop function. */
  tail(id: string | null): () => void;
}

const KEEP_LINES = 1000;

const lineKey = (line: LogLine) => `${line.at}|${line.stream}|${line.line}`;

/**
 * Lines to add to a tail. Each connection of the log stream starts with the
 * runtime's buffer so far, so a stream that dropped and reconnected replays
 * lines already shown: a batch that starts with a shown line is such a
 * replay, and only its lines not shown yet are added.
 */
export function newLines(shown: readonly LogLine[], incoming: readonly LogLine[]): readonly LogLine[] {
  const first = incoming[0];
  if (!first || shown.length === 0) return incoming;
  const seen = new Set(shown.map(lineKey));
  if (!seen.has(lineKey(first))) return incoming;
  return incoming.filter((line) => !seen.has(lineKey(line)));
}

export function createRuntimesStore(options: { readonly transport?: () => Transport; readonly scheduler?: FrameScheduler } = {}) {
  const transport = options.transport ?? defaultTransport;
  let stopTail: (() => void) | null = null;

  const useRuntimes = create<RuntimesState>()((set, get) => {
    const lines = createFrameBatch<{ runtime: string; lines: readonly LogLine[] }>({
      scheduler: options.scheduler,
      apply(batches) {
        const log = get().log;
        let next = log.lines;
        for (const batch of batches) if (batch.runtime === log.runtime) next = [...next, ...newLines(next, batch.lines)];
        if (next !== log.lines) set({ log: { ...log, lines: next.length > KEEP_LINES ? next.slice(-KEEP_LINES) : next, error: null } });
      },
    });

    return {
      info: null,
      infoError: null,
      refreshing: false,
      actions: {},
      actionErrors: {},
      log: { runtime: null, lines: [], error: null },

      async loadInfo() {
        const result = await transport().call('runtimes');
        set(result.ok ? { info: result.data, infoError: null } : { infoError: result.error });
      },

      async refresh() {
        set({ refreshing: true });
        const result = await transport().call('refreshRuntimes');
        set({ refreshing: false, ...(result.ok ? {} : { infoError: result.error }) });
        await get().loadInfo();
      },

      async run(id, action) {
        set({ actions: { ...get().actions, [id]: action }, actionErrors: { ...get().actionErrors, [id]: undefined } });
        const call = action === 'start' ? 'startRuntime' : action === 'stop' ? 'stopRuntime' : 'restartRuntime';
        const result = await transport().call(call, { id });
        const actions = { ...get().actions };
        delete actions[id];
        const failed = result.ok ? (result.data.state === 'failed' && result.data.lastError ? { code: 'runtime_failed', message: result.data.lastError } : undefined) : result.error;
        set({ actions, actionErrors: { ...get().actionErrors, [id]: failed } });
        return result;
      },

      tail(id) {
        stopTail?.();
        stopTail = null;
        lines.cancel();
        set({ log: { runtime: id, lines: [], error: null } });
        if (id === null) return () => undefined;
        let first = true;
        const stop = subscribeWithParams<{ type: string; data: unknown }>(transport(), 'runtimeLogs', { id }, (event) => {
          if (event.type === 'lines') {
            const view = event.data as RuntimeLogsView;
            // The first event carries the buffer so far: it replaces, later ones append.
            if (first) {
              first = false;
              lines.cancel();
              set({ log: { runtime: id, lines: view.lines.slice(-KEEP_LINES), error: null } });
            } else {
              lines.push({ runtime: id, lines: view.lines });
            }
          } else if (event.type === 'error') {
            set({ log: { ...get().log, error: { code: 'log_unavailable', message: String((event.data as { message?: string })?.message ?? 'The log stream failed.') } } });
          }
        });
        stopTail = stop;
        return () => {
          if (stopTail === stop) {
            stop();
            stopTail = null;
          }
        };
      },
    };
  });

  return { useRuntimes };
}

export const useRuntimes = createRuntimesStore().useRuntimes;
