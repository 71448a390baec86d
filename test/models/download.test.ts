import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseDefaultGroup, parsePullSpec, pullFromCli, progressLine } from '../../main/models/download-cli.js';
import type { DownloadProgress } from '../../main/models/download-events.js';
import { startDownload, type DownloadHandle, type StartDownloadOptions } from '../../main/models/download.js';
import { AUTH_REQUIRED_MESSAGE, type GgufGroup } from '../../main/models/hub.js';
import { startHubDouble, STORIES_PATH, STORIES_SHA256, STORIES_SIZE, TEST_TOKEN, type HubDouble } from '../fixtures/hf-hub-double.js';

const FAST_RETRY = { maxRetries: 3, delayMs: () => 5 };
const TINY = 'ggml-org/tiny-llamas';
const SPLIT = 'homeport-test/tiny-split-GGUF';
const GATED = 'homeport-test/gated-llama-GGUF';

let hub: HubDouble;
let dir: string;

beforeEach(async () => {
  hub = await startHubDouble();
  dir = await mkdtemp(join(tmpdir(), 'homeport-download-'));
});
afterEach(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts a download and records every event it emits. */
function run(options: Partial<StartDownloadOptions> & Pick<StartDownloadOptions, 'repo'>) {
  const handle = startDownload({ endpoint: hub.endpoint, destDir: dir, retry: FAST_RETRY, progressIntervalMs: 0, ...options });
  const log: { type: string; payload: unknown }[] = [];
  const progress: DownloadProgress[] = [];
  handle.events.on('progress', (p) => {
    progress.push(p);
    log.push({ type: 'progress', payload: p });
  });
  for (const type of ['verifying', 'done', 'error', 'cancelled'] as const) handle.events.on(type, (payload) => log.push({ type, payload }));
  return { handle, log, progress };
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function ggufNames(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.gguf'));
}

function rangeOf(handleRequests: HubDouble['requests']): (string | undefined)[] {
  return handleRequests.map((r) => r.headers.range);
}

/** Resolves on the first progress event matching `predicate`; fails if the download ends first. */
function waitFor(handle: DownloadHandle, predicate: (p: DownloadProgress) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const off = handle.events.on('progress', (p) => {
      if (!predicate(p)) return;
      off();
      resolve();
    });
    void handle.done.then(() => reject(new Error('download ended before the awaited progress')));
  });
}

describe('startDownload against the hub double', () => {
  it('has the real test model to serve', async () => {
    expect((await stat(STORIES_PATH)).size).toBe(STORIES_SIZE);
  });

  it('downloads, verifies and renames into place, following the CDN redirect, with monotonic progress ending at 100%', async () => {
    const { handle, progress, log } = run({ repo: TINY, file: 'stories260K.gguf' });
    const outcome = await handle.done;
    const target = join(dir, 'stories260K.gguf');
    expect(outcome).toEqual({ status: 'done', paths: [target] });
    expect(await sha256Of(target)).toBe(STORIES_SHA256);
    expect((await readdir(dir)).sort()).toEqual(['stories260K.gguf']); // no part, no sidecar left

    const content = hub.contentRequests('stories260K.gguf');
    expect(content.map((r) => r.url.split('?')[0])).toEqual(['/ggml-org/tiny-llamas/resolve/main/stories260K.gguf', `/cdn/${STORIES_SHA256}`]);
    expect(rangeOf(content)).toEqual([undefined, undefined]);

    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
    expect(progress.every((p) => p.bytesTotal === STORIES_SIZE)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ bytesDone: STORIES_SIZE, etaSec: 0 });
    expect(log.map((e) => e.type).filter((t) => t !== 'progress')).toEqual(['verifying', 'done']);
  });

  it('resumes with a Range request after the connection drops mid-transfer, and still verifies the whole file', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'drop', afterBytes: 400_000 });
    const { handle, progress } = run({ repo: TINY, file: 'stories260K.gguf' });
    const outcome = await handle.done;
    expect(outcome.status).toBe('done');
    expect(await sha256Of(join(dir, 'stories260K.gguf'))).toBe(STORIES_SHA256);

    const cdn = hub.contentRequests('stories260K.gguf').filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn).toHaveLength(2);
    expect(cdn[0]?.headers.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(cdn[1]?.headers.range ?? '')?.[1]);
    // The resume asks for the rest of what arrived before the drop (the client may lose the
    // last in-flight chunk when the socket is torn down, so not always exactly 400,000).
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    // The resumed request went through the hub's resolve again, with the range.
    expect(hub.contentRequests('stories260K.gguf')[2]?.headers.range).toBe(`bytes=${resumedAt}-`);
    expect(progress.at(-1)?.bytesDone).toBe(STORIES_SIZE);
  });

  it('starts over when the server answers 200 to a Range request', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'drop', afterBytes: 300_000 });
    hub.inject(TINY, 'stories260K.gguf', { kind: 'ignore-range' });
    const { handle } = run({ repo: TINY, file: 'stories260K.gguf' });
    expect((await handle.done).status).toBe('done');
    expect(await sha256Of(join(dir, 'stories260K.gguf'))).toBe(STORIES_SHA256);
    const cdn = hub.contentRequests('stories260K.gguf').filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn).toHaveLength(2);
    expect(cdn[1]?.headers.range).toMatch(/^bytes=\d+-$/);
  });

  it('gives up after the bounded number of retries and keeps the part for later', async () => {
    for (let i = 0; i < 3; i += 1) hub.inject(TINY, 'stories260K.gguf', { kind: 'drop', afterBytes: 100_000 * (i + 1) });
    const { handle } = run({ repo: TINY, file: 'stories260K.gguf', retry: { maxRetries: 2, delayMs: () => 1 } });
    const outcome = await handle.done;
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'network' } });
    expect(await ggufNames()).toEqual([]);
    expect((await stat(join(dir, '.stories260K.gguf.part'))).size).toBeGreaterThan(0);
    expect(hub.contentRequests('stories260K.gguf').filter((r) => r.url.startsWith('/cdn/'))).toHaveLength(3);
  });

  it('rejects a body whose sha256 is wrong: no .gguf appears and the part is removed', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'corrupt' });
    const { handle, log } = run({ repo: TINY, file: 'stories260K.gguf' });
    const outcome = await handle.done;
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'checksum_mismatch' } });
    expect(log.find((e) => e.type === 'error')?.payload).toMatchObject({ code: 'checksum_mismatch' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('explains a gated repo (401 without a token) and never leaks a token', async () => {
    const none = run({ repo: GATED, file: 'stories260K-Q4_0.gguf' });
    const outcome = await none.handle.done;
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'auth_required' } });
    if (outcome.status === 'error') expect(outcome.error.message).toContain(AUTH_REQUIRED_MESSAGE);
    expect(await readdir(dir)).toEqual([]);

    const wrongToken = 'hf_NotTheRightTokenXyz1234567890';
    const wrong = run({ repo: GATED, file: 'stories260K-Q4_0.gguf', token: wrongToken });
    const wrongOutcome = await wrong.handle.done;
    expect(wrongOutcome).toMatchObject({ status: 'error', error: { code: 'auth_required' } });
    const resolve = hub.requests.filter((r) => r.url.includes('/resolve/')).at(-1);
    expect(resolve?.headers.authorization).toBe(`Bearer ${wrongToken}`); // it was sent...
    expect(JSON.stringify(wrongOutcome)).not.toContain(wrongToken); // ...and never comes back out
    expect(JSON.stringify(wrong.log)).not.toContain(wrongToken);
    expect(JSON.stringify(wrong.log)).not.toContain('NotTheRightToken');
  });

  it('downloads a gated repo with the token, sending it to the hub only', async () => {
    const { handle, log } = run({ repo: GATED, file: 'stories260K-Q4_0.gguf', token: TEST_TOKEN });
    expect((await handle.done).status).toBe('done');
    expect(await sha256Of(join(dir, 'stories260K-Q4_0.gguf'))).toBe(STORIES_SHA256);
    const resolve = hub.contentRequests('stories260K-Q4_0.gguf').find((r) => r.url.includes('/resolve/'));
    expect(resolve?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(JSON.stringify(log)).not.toContain(TEST_TOKEN);
  });

  it('does not forward the token to a CDN on another origin', async () => {
    const separate = await startHubDouble({ cdn: 'separate-origin' });
    try {
      const handle = startDownload({ endpoint: separate.endpoint, repo: GATED, file: 'stories260K-Q4_0.gguf', token: TEST_TOKEN, destDir: dir });
      expect((await handle.done).status).toBe('done');
      const [resolve, cdn] = separate.contentRequests('stories260K-Q4_0.gguf');
      expect(resolve?.origin).toBe('hub');
      expect(resolve?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
      expect(cdn?.origin).toBe('cdn');
      expect(cdn?.headers.authorization).toBeUndefined();
    } finally {
      await separate.close();
    }
  });

  it('cancels mid-way keeping the part, and a second download resumes it with a Range request', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'hold', afterBytes: 500_000 });
    const first = run({ repo: TINY, file: 'stories260K.gguf' });
    // The double sends exactly 500,000 bytes and then holds the connection open.
    await Promise.all([hub.held, waitFor(first.handle, (p) => p.bytesDone === 500_000)]);
    const cancelledAt = Date.now();
    first.handle.cancel();
    const outcome = await first.handle.done;
    expect(Date.now() - cancelledAt).toBeLessThan(5_000); // promptly, generously
    const part = join(dir, '.stories260K.gguf.part');
    expect(outcome).toEqual({ status: 'cancelled', partPaths: [part] });
    expect(first.log.map((e) => e.type)).toContain('cancelled');
    expect(await ggufNames()).toEqual([]);
    // Every byte received before the cancel reached the part.
    const partSize = (await stat(part)).size;
    expect(partSize).toBe(500_000);

    const second = run({ repo: TINY, file: 'stories260K.gguf' });
    expect((await second.handle.done).status).toBe('done');
    expect(await sha256Of(join(dir, 'stories260K.gguf'))).toBe(STORIES_SHA256);
    const resumed = hub.contentRequests('stories260K.gguf').at(-1);
    expect(resumed?.headers.range).toBe(`bytes=${partSize}-`);
    // Progress of the resumed run starts from the part, not from zero.
    expect(second.progress[0]?.bytesDone).toBeGreaterThanOrEqual(partSize);
  });

  it('refuses a second concurrent download of the same file', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'hold', afterBytes: 100_000 });
    const first = run({ repo: TINY, file: 'stories260K.gguf' });
    await hub.held;
    const second = run({ repo: TINY, file: 'stories260K.gguf' });
    expect(await second.handle.done).toMatchObject({ status: 'error', error: { code: 'already_downloading' } });
    first.handle.cancel();
    expect((await first.handle.done).status).toBe('cancelled');
  });

  it('throws away a part that belongs to other content instead of resuming it', async () => {
    await writeFile(join(dir, '.stories260K.gguf.part'), Buffer.alloc(1000, 7));
    await writeFile(
      join(dir, '.stories260K.gguf.part.json'),
      JSON.stringify({ repo: TINY, revision: 'main', path: 'stories260K.gguf', size: STORIES_SIZE, digest: { kind: 'sha256', hex: 'f'.repeat(64) } }),
    );
    const { handle } = run({ repo: TINY, file: 'stories260K.gguf' });
    expect((await handle.done).status).toBe('done');
    expect(await sha256Of(join(dir, 'stories260K.gguf'))).toBe(STORIES_SHA256);
    expect(rangeOf(hub.contentRequests('stories260K.gguf'))).toEqual([undefined, undefined]);
  });

  it('keeps a final file that is already there and valid, without downloading', async () => {
    await writeFile(join(dir, 'stories260K.gguf'), await readFile(STORIES_PATH));
    const { handle } = run({ repo: TINY, file: 'stories260K.gguf' });
    expect((await handle.done).status).toBe('done');
    expect(hub.contentRequests('stories260K.gguf')).toEqual([]);
  });

  it('downloads every part of a split model together, under one progress stream, renaming only when all verify', async () => {
    const { handle, progress } = run({ repo: SPLIT, file: 'Q4_K_M/tiny-Q4_K_M-00002-of-00003.gguf' });
    const outcome = await handle.done;
    const names = ['tiny-Q4_K_M-00001-of-00003.gguf', 'tiny-Q4_K_M-00002-of-00003.gguf', 'tiny-Q4_K_M-00003-of-00003.gguf'];
    expect(outcome).toEqual({ status: 'done', paths: names.map((n) => join(dir, n)) });
    const joined = Buffer.concat(await Promise.all(names.map((n) => readFile(join(dir, n)))));
    expect(createHash('sha256').update(joined).digest('hex')).toBe(STORIES_SHA256);
    expect(progress.every((p) => p.bytesTotal === STORIES_SIZE)).toBe(true);
    for (let i = 1; i < progress.length; i += 1) expect(progress[i]!.bytesDone).toBeGreaterThanOrEqual(progress[i - 1]!.bytesDone);
    expect(progress.at(-1)?.bytesDone).toBe(STORIES_SIZE);
    expect(new Set(progress.map((p) => p.file)).size).toBe(3);
  });

  it('shows no part of a split model when a later part fails its check', async () => {
    hub.inject(SPLIT, 'Q4_K_M/tiny-Q4_K_M-00003-of-00003.gguf', { kind: 'corrupt' });
    const { handle } = run({ repo: SPLIT, file: 'Q4_K_M/tiny-Q4_K_M-00001-of-00003.gguf' });
    expect(await handle.done).toMatchObject({ status: 'error', error: { code: 'checksum_mismatch' } });
    expect(await ggufNames()).toEqual([]);
    expect(await readdir(dir)).not.toContain('.tiny-Q4_K_M-00003-of-00003.gguf.part');
  });

  it('refuses a split model whose parts are not all in the repo', async () => {
    const { handle } = run({ repo: SPLIT, file: 'tiny-IQ2_XS-00001-of-00002.gguf' });
    expect(await handle.done).toMatchObject({ status: 'error', error: { code: 'incomplete_split' } });
  });

  it('refuses up front when the disk is too small, before fetching any byte', async () => {
    const { handle } = run({ repo: TINY, file: 'stories260K.gguf', statfs: async () => ({ bavail: 100, bsize: 4096 }) });
    const outcome = await handle.done;
    expect(outcome).toMatchObject({ status: 'error', error: { code: 'insufficient_disk' } });
    if (outcome.status === 'error') expect(outcome.error.message).toMatch(/needs 1\.19 MB but only 409\.6 kB is free/);
    expect(hub.contentRequests('stories260K.gguf')).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a missing file by name', async () => {
    const { handle } = run({ repo: TINY, file: 'nope.gguf' });
    expect(await handle.done).toMatchObject({ status: 'error', error: { code: 'file_not_found' } });
  });
});

describe('pullFromCli', () => {
  function sink(): { stream: Writable; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    });
    return { stream, text: () => chunks.join('') };
  }

  it('picks the best default quant (a split Q4_K_M over Q8_0 and the projector) and prints progress', async () => {
    const out = sink();
    const result = await pullFromCli({ spec: SPLIT, destDir: dir, endpoint: hub.endpoint, out: out.stream, progressIntervalMs: 0, retry: FAST_RETRY });
    expect(result.exitCode).toBe(0);
    expect(await ggufNames()).toEqual(['tiny-Q4_K_M-00001-of-00003.gguf', 'tiny-Q4_K_M-00002-of-00003.gguf', 'tiny-Q4_K_M-00003-of-00003.gguf']);
    const text = out.text();
    expect(text).toContain('picked Q4_K_M');
    expect(text).toContain(`Pulling ${SPLIT}:Q4_K_M/tiny-Q4_K_M.gguf (Q4_K_M, 1.19 MB, 3 parts)`);
    expect(text).toMatch(/100\.0%\s+1\.19 MB \/ 1\.19 MB/);
    expect(text).toContain(`saved ${join(dir, 'tiny-Q4_K_M-00003-of-00003.gguf')}`);
  });

  it('takes an explicit file, by bare name or by quant', async () => {
    const out = sink();
    const byName = await pullFromCli({ spec: `${TINY}:stories260K.gguf`, destDir: dir, endpoint: hub.endpoint, out: out.stream });
    expect(byName.exitCode).toBe(0);
    expect(await sha256Of(join(dir, 'stories260K.gguf'))).toBe(STORIES_SHA256);
    const byQuant = await pullFromCli({ spec: `${SPLIT}:Q8_0`, destDir: dir, endpoint: hub.endpoint, out: out.stream });
    expect(byQuant.exitCode).toBe(0);
    expect(await ggufNames()).toEqual(['stories260K.gguf', 'tiny-Q8_0.gguf']);
  });

  it('fails with exit code 1 and a useful line for an unknown file, and never prints the token', async () => {
    const out = sink();
    const missing = await pullFromCli({ spec: `${TINY}:nope.gguf`, destDir: dir, endpoint: hub.endpoint, out: out.stream });
    expect(missing.exitCode).toBe(1);
    expect(out.text()).toContain('available: stories260K.gguf');
    const wrongToken = 'hf_AlsoWrongToken1234567890abc';
    const gated = await pullFromCli({ spec: GATED, destDir: dir, endpoint: hub.endpoint, token: wrongToken, out: out.stream });
    expect(gated.exitCode).toBe(1);
    expect(out.text()).toContain(AUTH_REQUIRED_MESSAGE);
    expect(out.text()).not.toContain(wrongToken);
  });

  it('stops on its abort signal with exit code 130', async () => {
    hub.inject(TINY, 'stories260K.gguf', { kind: 'hold', afterBytes: 200_000 });
    const out = sink();
    const controller = new AbortController();
    void hub.held.then(() => setTimeout(() => controller.abort(), 20));
    const result = await pullFromCli({ spec: TINY, destDir: dir, endpoint: hub.endpoint, out: out.stream, signal: controller.signal });
    expect(result.exitCode).toBe(130);
    expect(out.text()).toContain('run the same command again to resume');
    expect(await ggufNames()).toEqual([]);
  });
});

describe('pure pull helpers', () => {
  const group = (key: string, quant: string | undefined, extra: Partial<GgufGroup> = {}): GgufGroup => ({
    key,
    quant,
    files: [],
    totalSize: 1,
    complete: true,
    projector: false,
    ...extra,
  });

  it('parses REPO[:FILE] specs', () => {
    expect(parsePullSpec('a/b')).toEqual({ repo: 'a/b' });
    expect(parsePullSpec('a/b:dir/c-Q4_0.gguf')).toEqual({ repo: 'a/b', file: 'dir/c-Q4_0.gguf' });
    expect(parsePullSpec('hf.co/a/b:Q8_0')).toEqual({ repo: 'a/b', file: 'Q8_0' });
    expect(() => parsePullSpec('just-a-name')).toThrow(/REPO\[:FILE\]/);
  });

  it('chooses Q4_K_M > Q4_0 > Q5_K_M > Q8_0 > first, skipping projectors and incomplete splits', () => {
    expect(chooseDefaultGroup([group('a-Q8_0', 'Q8_0'), group('a-Q5_K_M', 'Q5_K_M')])?.group.key).toBe('a-Q5_K_M');
    expect(chooseDefaultGroup([group('a-Q8_0', 'Q8_0'), group('a-Q4_0', 'Q4_0'), group('a-Q4_K_M', 'Q4_K_M', { complete: false })])?.group.key).toBe('a-Q4_0');
    expect(chooseDefaultGroup([group('mmproj-Q4_K_M', 'Q4_K_M', { projector: true }), group('m-IQ2_XS', 'IQ2_XS'), group('m-F16', 'F16')])?.group.key).toBe('m-IQ2_XS');
    expect(chooseDefaultGroup([group('mmproj', 'F16', { projector: true })])).toBeUndefined();
  });

  it('formats progress lines', () => {
    expect(progressLine({ bytesDone: 500_000, bytesTotal: 1_000_000, rateBytesPerSec: 250_000, etaSec: 2, file: 'x' })).toBe(
      '  50.0%  500.0 kB / 1.00 MB  250.0 kB/s  ETA 0:02',
    );
  });
});
