/**
 * Hugging Face downloads: the list, one event stream per running download
 * (progress batched to animation frames), start, cancel and resume (a resume
 * starts the same file again; the engine continues from the partial file).
 */
import { create } from 'zustand';
import type { ContractError, DownloadStreamEvents, DownloadView, Result, Transport } from '../../preload/contract.js';
import { createFrameBatch, type FrameScheduler } from '../lib/frame-batch.js';
import { refCounted, type RefCounted } from '../lib/ref-count.js';
import { restartOnReconnect } from '../lib/reconnect.js';
import { subscribeWithParams } from '../lib/subscribe-with-params.js';
import { transport as defaultTransport } from '../lib/transport.js';

export interface DownloadsState {
  /** Newest first. */
  readonly downloads: readonly DownloadView[];
  readonly listError: ContractError | null;
  /** `repo/file` keys with a start request in flight. */
  readonly starting: Readonly<Record<string, boolean>>;
  readonly startErrors: Readonly<Record<string, ContractError | undefined>>;
  readonly cancelErrors: Readonly<Record<string, ContractError | undefined>>;
  refresh(): Promise<void>;
  start(repo: string, file: string): Promise<Result<DownloadView>>;
  cancel(id: string): Promise<Result<DownloadView>>;
}

export const downloadKey = (repo: string, file: string) => `${repo}/${file}`;

type DownloadEvent = { [K in keyof DownloadStreamEvents]: { readonly type: K; readonly data: DownloadStreamEvents[K] } }[keyof DownloadStreamEvents];

/** One download after one of its events. Pure. */
export function applyDownloadEvent(download: DownloadView, event: DownloadEvent, now: number): DownloadView {
  switch (event.type) {
    case 'state':
      return event.data;
    case 'progress':
      return { ...download, state: download.state === 'cancelling' ? 'cancelling' : 'downloading', progress: event.data };
    case 'verifying':
      return { ...download, state: 'verifying' };
    case 'done':
      return { ...download, state: 'done', result: event.data, finishedAt: now };
    case 'error':
      return { ...download, state: 'error', error: event.data, finishedAt: now };
    case 'cancelled':
      return { ...download, state: 'cancelled', finishedAt: now };
  }
}

const RUNNING = new Set<DownloadView['state']>(['downloading', 'verifying', 'cancelling']);

export function createDownloadsStore(options: { readonly transport?: () => Transport; readonly scheduler?: FrameScheduler; readonly now?: () => number; readonly onDone?: (download: DownloadView) => void } = {}) {
  const transport = options.transport ?? defaultTransport;
  const now = options.now ?? Date.now;
  const watching = new Map<string, () => void>();

  const batch = createFrameBatch<{ id: string; event: DownloadEvent }>({
    scheduler: options.scheduler,
    apply(items) {
      let downloads = useDownloads.getState().downloads;
      for (const { id, event } of items) {
        downloads = downloads.map((d) => (d.id === id ? applyDownloadEvent(d, event, now()) : d));
        if (event.type === 'done') {
          const done = downloads.find((d) => d.id === id);
          if (done) options.onDone?.(done);
        }
      }
      useDownloads.setState({ downloads });
    },
  });

  const watch = (download: DownloadView) => {
    if (!RUNNING.has(download.state) || watching.has(download.id) || feed.holders === 0) return;
    const stop = subscribeWithParams(transport(), 'download', { id: download.id }, (event: DownloadEvent) => {
      batch.push({ id: download.id, event });
      if (event.type === 'done' || event.type === 'error' || event.type === 'cancelled') {
        watching.get(download.id)?.();
        watching.delete(download.id);
      }
    });
    watching.set(download.id, stop);
  };

  const useDownloads = create<DownloadsState>()((set, get) => ({
    downloads: [],
    listError: null,
    starting: {},
    startErrors: {},
    cancelErrors: {},

    async refresh() {
      const result = await transport().call('downloads');
      if (!result.ok) {
        set({ listError: result.error });
        return;
      }
      const downloads = [...result.data.downloads].sort((a, b) => b.startedAt - a.startedAt);
      set({ downloads, listError: null });
      downloads.forEach(watch);
    },

    async start(repo, file) {
      const key = downloadKey(repo, file);
      set({ starting: { ...get().starting, [key]: true }, startErrors: { ...get().startErrors, [key]: undefined } });
      const result = await transport().call('startDownload', { repo, file });
      const starting = { ...get().starting };
      delete starting[key];
      if (!result.ok) {
        set({ starting, startErrors: { ...get().startErrors, [key]: result.error } });
        return result;
      }
      set({ starting, downloads: [result.data, ...get().downloads.filter((d) => d.id !== result.data.id)] });
      watch(result.data);
      return result;
    },

    async cancel(id) {
      set({ cancelErrors: { ...get().cancelErrors, [id]: undefined } });
      const result = await transport().call('cancelDownload', { id });
      if (result.ok) set({ downloads: get().downloads.map((d) => (d.id === id ? { ...result.data, progress: result.data.progress ?? d.progress } : d)) });
      else set({ cancelErrors: { ...get().cancelErrors, [id]: result.error } });
      return result;
    },
  }));

  const feed: RefCounted = refCounted(
    restartOnReconnect(() => {
      void useDownloads.getState().refresh();
      return () => {
        for (const stop of watching.values()) stop();
        watching.clear();
        batch.flush();
      };
    }, () => transport().connection),
  );

  return { useDownloads, downloadsFeed: feed };
}

const downloadsStore = createDownloadsStore();
export const useDownloads = downloadsStore.useDownloads;
export const downloadsFeed = downloadsStore.downloadsFeed;
