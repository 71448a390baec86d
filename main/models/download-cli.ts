/**
 * `homeport pull REPO[:FILE]`: pick a file from a Hugging Face GGUF repo and
 * download it, printing progress lines to a stream.
 *
 *   homeport pull ggml-org/tiny-llamas                      best default quant in the repo
 *   homeport pull ggml-org/tiny-llamas:stories260K.gguf     that file (repo path or bare file name)
 *   homeport pull bartowski/Some-Model-GGUF:Q8_0            the file with that quant (as `ollama pull hf.co/...:Q8_0`)
 */
import type { Writable } from 'node:stream';
import { startDownload, type DownloadOutcome, type StartDownloadOptions } from './download.js';
import { DownloadError, toDownloadError } from './download-error.js';
import type { DownloadProgress } from './download-events.js';
import { formatBytes, formatDuration } from './download-format.js';
import { listGgufFiles, type GgufGroup, type HubClientOptions } from './hub.js';
import { DEFAULT_QUANT_PREFERENCE, quantFromFileName, quantPreferenceRank } from './quant-name.js';

export interface PullSpec {
  readonly repo: string;
  readonly file?: string;
}

/** `owner/name[:file]` -> { repo, file }. */
export function parsePullSpec(spec: string): PullSpec {
  const trimmed = spec.trim().replace(/^(https?:\/\/)?(hf\.co|huggingface\.co)\//, '');
  const colon = trimmed.indexOf(':');
  const repo = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const file = colon === -1 ? undefined : trimmed.slice(colon + 1);
  if (!/^[^/\s]+\/[^/\s]+$/.test(repo)) {
    throw new DownloadError('invalid_request', `"${spec}" is not REPO[:FILE], e.g. ggml-org/tiny-llamas:stories260K.gguf`);
  }
  return file ? { repo, file } : { repo };
}

export interface DefaultChoice {
  readonly group: GgufGroup;
  readonly reason: string;
}

/**
 * The model to fetch when no file is named: complete models only (no
 * multimodal projector), best-ranked quant first (Q4_K_M > Q4_0 > Q5_K_M > Q8_0),
 * otherwise the first in listing order.
 */
export function chooseDefaultGroup(groups: readonly GgufGroup[], preference: readonly string[] = DEFAULT_QUANT_PREFERENCE): DefaultChoice | undefined {
  const candidates = groups.filter((group) => group.complete && !group.projector);
  let best: GgufGroup | undefined;
  for (const group of candidates) {
    if (!best || quantPreferenceRank(group.quant, preference) < quantPreferenceRank(best.quant, preference)) best = group;
  }
  if (!best) return undefined;
  const rank = quantPreferenceRank(best.quant, preference);
  const reason =
    rank < preference.length
      ? `picked ${best.quant} (preference ${preference.join(' > ')}); name a file to choose another`
      : `no preferred quant (${preference.join(', ')}) in the repo; picked the first model file; name a file to choose another`;
  return { group: best, reason };
}

/** Finds what `file` names: a repo path, a bare file name, a split's group name, or a quant like Q8_0. */
function findGroup(groups: readonly GgufGroup[], file: string): GgufGroup | undefined {
  const byPath = groups.find((group) => group.key === file || group.files.some((part) => part.path === file));
  if (byPath) return byPath;
  const byName = groups.find((group) => group.key.endsWith(`/${file}`) || group.files.some((part) => part.path.endsWith(`/${file}`)));
  if (byName) return byName;
  const quant = quantFromFileName(file) ?? file.toUpperCase();
  return groups.find((group) => !group.projector && group.quant === quant);
}

export interface PullOptions extends HubClientOptions {
  /** `REPO[:FILE]`. */
  readonly spec: string;
  readonly destDir: string;
  readonly revision?: string;
  /** Where progress lines go (stdout for the CLI). */
  readonly out: Writable;
  /** Minimum time between progress lines; 1 s by default. */
  readonly progressIntervalMs?: number;
  readonly statfs?: StartDownloadOptions['statfs'];
  readonly retry?: StartDownloadOptions['retry'];
  readonly now?: () => number;
}

export interface PullResult {
  /** 0 done, 1 failed, 130 cancelled (as after Ctrl-C). */
  readonly exitCode: number;
  readonly outcome: DownloadOutcome;
}

export async function pullFromCli(options: PullOptions): Promise<PullResult> {
  const print = (line: string): void => {
    options.out.write(`${line}\n`);
  };
  try {
    const spec = parsePullSpec(options.spec);
    const hub = { endpoint: options.endpoint, token: options.token, dispatcher: options.dispatcher, signal: options.signal, env: options.env };
    const listing = await listGgufFiles({ ...hub, repo: spec.repo, revision: options.revision });
    let group: GgufGroup | undefined;
    if (spec.file) {
      group = findGroup(listing.groups, spec.file);
      if (!group) {
        const available = listing.groups.map((g) => g.key).join(', ') || 'none';
        throw new DownloadError('file_not_found', `${spec.repo} has no GGUF file matching "${spec.file}" (available: ${available})`);
      }
    } else {
      const choice = chooseDefaultGroup(listing.groups);
      if (!choice) throw new DownloadError('file_not_found', `${spec.repo} has no complete GGUF model file to download`);
      group = choice.group;
      print(choice.reason);
    }
    const parts = group.files.length > 1 ? `, ${group.files.length} parts` : '';
    print(`Pulling ${spec.repo}:${group.key} (${group.quant ?? 'unknown quant'}, ${formatBytes(group.totalSize)}${parts}) into ${options.destDir}`);

    const handle = startDownload({
      ...hub,
      repo: spec.repo,
      revision: options.revision,
      files: group.files.map((file) => file.path),
      listing: listing.files,
      destDir: options.destDir,
      progressIntervalMs: options.progressIntervalMs ?? 1000,
      statfs: options.statfs,
      retry: options.retry,
      now: options.now,
    });
    const onAbort = (): void => handle.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Ctrl-C that came between the listing and here would otherwise never reach the download.
    if (options.signal?.aborted) handle.cancel();
    handle.events.on('progress', (progress) => print(progressLine(progress)));
    handle.events.on('verifying', ({ file }) => print(`verifying ${file}`));
    const outcome = await handle.done;
    options.signal?.removeEventListener('abort', onAbort);
    if (outcome.status === 'done') {
      for (const path of outcome.paths) print(`saved ${path}`);
      return { exitCode: 0, outcome };
    }
    if (outcome.status === 'cancelled') {
      print('cancelled; run the same command again to resume');
      return { exitCode: 130, outcome };
    }
    print(`error: ${outcome.error.message}`);
    return { exitCode: 1, outcome };
  } catch (error) {
    // Ctrl-C while the repo listing was in flight: a cancel, not a connection failure. Nothing was written yet.
    if (options.signal?.aborted) {
      print('cancelled');
      return { exitCode: 130, outcome: { status: 'cancelled', partPaths: [] } };
    }
    // Listing failures are HubErrors: toDownloadError keeps their code and scrubs the message.
    const failure = toDownloadError(error, options.token);
    print(`error: ${failure.message}`);
    return { exitCode: 1, outcome: { status: 'error', error: { message: failure.message, code: failure.code } } };
  }
}

/** `  42.0%  498 kB / 1.19 MB  2.1 MB/s  ETA 0:01` */
export function progressLine(progress: DownloadProgress): string {
  const percent = progress.bytesTotal > 0 ? (100 * progress.bytesDone) / progress.bytesTotal : 100;
  const rate = progress.rateBytesPerSec > 0 ? `  ${formatBytes(progress.rateBytesPerSec)}/s` : '';
  const eta = progress.etaSec !== null && progress.bytesDone < progress.bytesTotal ? `  ETA ${formatDuration(progress.etaSec)}` : '';
  return `${percent.toFixed(1).padStart(6)}%  ${formatBytes(progress.bytesDone)} / ${formatBytes(progress.bytesTotal)}${rate}${eta}`;
}
