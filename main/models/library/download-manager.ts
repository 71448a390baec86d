/**
 * Downloads into the data dir's models folder, tracked by id: each one's
 * state and progress, its listeners (one per open event stream), cancel, and
 * a bounded list of finished ones. A finished download rescans the library
 * before it reports `done`, so the model is listed by the time a client hears.
 *
 * The Hugging Face token is read when a download starts and used only for
 * the transfer and to scrub error messages; no record or event holds it.
 */
import { realpath } from 'node:fs/promises';
import { GatewayError } from '../../gateway/errors.js';
import type { ModelCatalog } from '../catalog.js';
import type { DownloadProgress } from '../download-events.js';
import { startDownload, type DownloadHandle, type DownloadOutcome, type RetryPolicy, type StatfsFn } from '../download.js';
import { assertRepoId } from '../hub.js';
import { redact } from '../../secrets/redact.js';
import { hubFailure, type HubAccess } from './hub-access.js';
import type { DownloadResult, DownloadState, DownloadStreamEvent, DownloadView } from './view-types.js';

/** How transfers run (tests shorten the retries and progress interval). */
export interface DownloadSettings {
  readonly retry?: RetryPolicy;
  readonly progressIntervalMs?: number;
  readonly statfs?: StatfsFn;
}

export interface DownloadManagerOptions {
  /** Where downloads land. */
  readonly modelsDir: string;
  readonly hub: HubAccess;
  /** Scan the library again; a finished download reports which models its files became. */
  readonly rescan: () => Promise<ModelCatalog>;
  readonly settings?: DownloadSettings;
  /** Finished downloads kept in the list. */
  readonly keepFinished: number;
  readonly now: () => number;
  readonly newId: () => string;
  /** Notes for the engine log (never secrets). */
  readonly log: (line: string) => void;
}

const TERMINAL: ReadonlySet<DownloadStreamEvent['type']> = new Set(['done', 'error', 'cancelled']);

/** Whether this event ends its download's stream. */
export function isTerminalEvent(event: DownloadStreamEvent): boolean {
  return TERMINAL.has(event.type);
}

interface DownloadRecord {
  readonly id: string;
  readonly repo: string;
  readonly file: string;
  state: DownloadState;
  progress: DownloadProgress | null;
  readonly startedAt: number;
  finishedAt: number | null;
  result: DownloadResult | null;
  error: { message: string; code: string } | null;
  partPaths: readonly string[];
  readonly handle: DownloadHandle;
  readonly listeners: Set<(event: DownloadStreamEvent) => void>;
  /** Resolves once the final event has gone out. */
  settled: Promise<void>;
}

export class DownloadManager {
  private readonly byId = new Map<string, DownloadRecord>();

  constructor(private readonly options: DownloadManagerOptions) {}

  /** Start downloading `file` of `repo` into the models folder. Failures after this point arrive as the `error` event. */
  async start(request: { readonly repo: string; readonly file: string }): Promise<DownloadView> {
    const { hub, modelsDir } = this.options;
    try {
      assertRepoId(request.repo);
    } catch (error) {
      throw hubFailure(error, undefined, 'repo');
    }
    const token = await hub.token(); // before the duplicate check, so no await separates it from the insert below
    const running = [...this.byId.values()].find(
      (record) => record.repo === request.repo && record.file === request.file && !isFinished(record.state),
    );
    if (running) {
      throw new GatewayError({
        status: 409,
        code: 'download_in_progress',
        param: 'file',
        message: `${request.repo}:${request.file} is already being downloaded (id ${running.id}); follow GET /homeport/v1/downloads/${running.id}/events.`,
      });
    }
    const settings = this.options.settings ?? {};
    const handle = startDownload({
      ...hub.clientSettings(token),
      repo: request.repo,
      file: request.file,
      destDir: modelsDir,
      ...(settings.retry ? { retry: settings.retry } : {}),
      ...(settings.progressIntervalMs !== undefined ? { progressIntervalMs: settings.progressIntervalMs } : {}),
      ...(settings.statfs ? { statfs: settings.statfs } : {}),
    });
    const record: DownloadRecord = {
      id: this.options.newId(),
      repo: request.repo,
      file: request.file,
      state: 'downloading',
      progress: null,
      startedAt: this.options.now(),
      finishedAt: null,
      result: null,
      error: null,
      partPaths: [],
      handle,
      listeners: new Set(),
      settled: Promise.resolve(),
    };
    this.byId.set(record.id, record);
    handle.events.on('progress', (progress) => {
      record.progress = progress;
      if (record.state === 'verifying') record.state = 'downloading'; // the next part of a split model
      publish(record, { type: 'progress', data: progress });
    });
    handle.events.on('verifying', (event) => {
      if (record.state !== 'cancelling') record.state = 'verifying';
      publish(record, { type: 'verifying', data: { file: event.file } });
    });
    record.settled = handle.done.then((outcome) => this.finish(record, outcome, token));
    this.options.log(`download ${record.id}: ${request.repo}:${request.file} into ${modelsDir}`);
    return viewOf(record);
  }

  list(): DownloadView[] {
    return [...this.byId.values()].map(viewOf);
  }

  get(id: string): DownloadView {
    return viewOf(this.record(id));
  }

  /**
   * Follow one download: the listener gets a `state` event at once, then live
   * events; a finished download sends its final event straight after `state`.
   * Returns unsubscribe.
   */
  watch(id: string, listener: (event: DownloadStreamEvent) => void): () => void {
    const record = this.record(id);
    listener({ type: 'state', data: viewOf(record) });
    const final = finalEvent(record);
    if (final) {
      listener(final);
      return () => undefined;
    }
    record.listeners.add(listener);
    return () => {
      record.listeners.delete(listener);
    };
  }

  /** Stop a running download; its `cancelled` event follows. Partial files are kept for a resume. */
  cancel(id: string): DownloadView {
    const record = this.record(id);
    if (isFinished(record.state)) {
      throw new GatewayError({
        status: 409,
        code: 'download_not_active',
        param: 'id',
        message: `Download ${id} has already finished (${record.state}); there is nothing to cancel.`,
      });
    }
    record.state = 'cancelling';
    record.handle.cancel();
    return viewOf(record);
  }

  /** Cancel every running download and wait until each has stopped. */
  async close(): Promise<void> {
    const running = [...this.byId.values()].filter((record) => !isFinished(record.state));
    for (const record of running) record.handle.cancel();
    await Promise.all(running.map((record) => record.settled));
  }

  private record(id: string): DownloadRecord {
    const record = this.byId.get(id);
    if (!record) {
      throw new GatewayError({
        status: 404,
        code: 'download_not_found',
        param: 'id',
        message: `No download "${id}". GET /homeport/v1/downloads lists them (finished ones are kept for a while).`,
      });
    }
    return record;
  }

  private async finish(record: DownloadRecord, outcome: DownloadOutcome, token: string | undefined): Promise<void> {
    if (outcome.status === 'done') {
      record.result = await this.indexDownloaded(outcome.paths);
      record.state = 'done';
    } else if (outcome.status === 'cancelled') {
      record.partPaths = outcome.partPaths;
      record.state = 'cancelled';
    } else {
      // download.ts already scrubs its messages; once more, with the exact token, costs nothing.
      record.error = { message: redact(outcome.error.message, { secrets: [token] }), code: outcome.error.code };
      record.state = 'error';
    }
    record.finishedAt = this.options.now();
    const final = finalEvent(record);
    if (final) publish(record, final);
    record.listeners.clear();
    this.options.log(`download ${record.id}: ${record.state}${record.error ? ` (${record.error.code})` : ''}`);
    this.pruneFinished();
  }

  /** Rescan and find which library entries the new files became. */
  private async indexDownloaded(paths: readonly string[]): Promise<DownloadResult> {
    const real = new Set(await Promise.all(paths.map((path) => realpath(path).catch(() => path))));
    try {
      const catalog = await this.options.rescan();
      const hit = (files: readonly string[]) => files.some((file) => real.has(file));
      return {
        paths,
        modelIds: catalog.models.filter((model) => hit(model.files)).map((model) => model.id),
        broken: catalog.broken.filter((entry) => hit(entry.files)).map((entry) => ({ displayName: entry.displayName, reason: entry.reason })),
      };
    } catch (error) {
      const reason = `the library could not be rescanned: ${error instanceof Error ? error.message : String(error)}`;
      this.options.log(reason);
      return { paths, modelIds: [], broken: [] };
    }
  }

  private pruneFinished(): void {
    const keep = this.options.keepFinished;
    const finished = [...this.byId.values()].filter((record) => isFinished(record.state));
    for (const record of finished.slice(0, Math.max(0, finished.length - keep))) this.byId.delete(record.id);
  }
}

function publish(record: DownloadRecord, event: DownloadStreamEvent): void {
  for (const listener of [...record.listeners]) {
    try {
      listener(event);
    } catch {
      // A broken subscriber must not break the download or the others.
    }
  }
}

function isFinished(state: DownloadState): boolean {
  return state === 'done' || state === 'error' || state === 'cancelled';
}

function viewOf(record: DownloadRecord): DownloadView {
  return {
    id: record.id,
    repo: record.repo,
    file: record.file,
    state: record.state,
    progress: record.progress,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    result: record.result,
    error: record.error,
  };
}

function finalEvent(record: DownloadRecord): DownloadStreamEvent | undefined {
  if (record.state === 'done' && record.result) return { type: 'done', data: record.result };
  if (record.state === 'error' && record.error) return { type: 'error', data: record.error };
  if (record.state === 'cancelled') return { type: 'cancelled', data: { partPaths: record.partPaths } };
  return undefined;
}
