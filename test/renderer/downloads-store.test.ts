import { describe, expect, it } from 'vitest';
import type { DownloadView } from '../../preload/contract.js';
import { applyDownloadEvent, createDownloadsStore } from '../../renderer/stores/downloads.js';
import { fakeTransport, manualFrames, ok } from './playground-fakes.js';

const download = (patch: Partial<DownloadView> = {}): DownloadView => ({
  id: 'd1',
  repo: 'ggml-org/tiny-llamas',
  file: 'stories260K.gguf',
  state: 'downloading',
  progress: null,
  startedAt: 1,
  finishedAt: null,
  result: null,
  error: null,
  ...patch,
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('downloads store', () => {
  it('follows a started download: progress batched per frame, then done with the model ids', async () => {
    const fake = fakeTransport();
    const frames = manualFrames();
    fake.on('downloads', () => ok({ downloads: [] }));
    fake.on('startDownload', () => ok(download()));
    const done: string[] = [];
    const store = createDownloadsStore({ transport: () => fake.transport, scheduler: frames, now: () => 99, onDone: (d) => done.push(d.id) });
    const release = store.downloadsFeed.acquire();
    await settle();
    await store.useDownloads.getState().start('ggml-org/tiny-llamas', 'stories260K.gguf');
    expect(fake.listeners('download')).toBe(1);
    for (let bytes = 100; bytes <= 1000; bytes += 100) {
      fake.emit('download', 'progress', { bytesDone: bytes, bytesTotal: 1000, rateBytesPerSec: 500, etaSec: (1000 - bytes) / 500, file: 'stories260K.gguf' });
    }
    expect(store.useDownloads.getState().downloads[0]?.progress).toBeNull();
    frames.run();
    expect(store.useDownloads.getState().downloads[0]?.progress?.bytesDone).toBe(1000);
    fake.emit('download', 'verifying', { file: 'stories260K.gguf' });
    fake.emit('download', 'done', { paths: ['/models/stories260K.gguf'], modelIds: ['stories260k'], broken: [] });
    frames.run();
    const finished = store.useDownloads.getState().downloads[0]!;
    expect(finished).toMatchObject({ state: 'done', finishedAt: 99, result: { modelIds: ['stories260k'] } });
    expect(done).toEqual(['d1']);
    expect(fake.listeners('download')).toBe(0);
    release();
  });

  it('keeps the engine error of a start that failed, per file', async () => {
    const fake = fakeTransport();
    fake.on('startDownload', () => ({ ok: false, error: { code: 'gated', message: 'This repository is gated: set your Hugging Face token in Settings.' } }));
    const store = createDownloadsStore({ transport: () => fake.transport });
    await store.useDownloads.getState().start('meta/llama', 'x.gguf');
    expect(store.useDownloads.getState().startErrors['meta/llama/x.gguf']?.message).toContain('gated');
    expect(store.useDownloads.getState().starting).toEqual({});
  });

  it('applies each download event to the view', () => {
    const base = download({ state: 'cancelling' });
    expect(applyDownloadEvent(base, { type: 'progress', data: { bytesDone: 1, bytesTotal: 2, rateBytesPerSec: 0, etaSec: null, file: 'f' } }, 0).state).toBe('cancelling');
    expect(applyDownloadEvent(base, { type: 'cancelled', data: { partPaths: ['p'] } }, 7)).toMatchObject({ state: 'cancelled', finishedAt: 7 });
    expect(applyDownloadEvent(base, { type: 'error', data: { message: 'disk full', code: 'io' } }, 7)).toMatchObject({ state: 'error', error: { message: 'disk full' } });
  });
});
