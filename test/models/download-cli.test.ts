/**
 * `homeport pull` and Ctrl-C: an abort while the repo listing is still in
 * flight is a cancel (exit 130), not a connection failure (exit 1). The hub
 * here is a bare HTTP server that holds every request (or drops it), so the
 * abort lands exactly while the listing waits. The other pullFromCli cases
 * (download, resume, errors) are in download.test.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pullFromCli } from '../../main/models/download-cli.js';

let dir: string;
let server: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'homeport-pull-'));
});
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done) ?? done(undefined));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A hub that calls `onRequest` for each request and never answers on its own. */
async function startHub(onRequest: (req: IncomingMessage) => void): Promise<{ endpoint: string; paths: string[] }> {
  const paths: string[] = [];
  server = createServer((req) => {
    paths.push(req.url ?? '');
    onRequest(req);
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

it('exits 130 "cancelled" when aborted while the repo listing is in flight', async () => {
  const controller = new AbortController();
  const hub = await startHub(() => controller.abort()); // Ctrl-C while the hub has not answered
  const out = sink();
  const result = await pullFromCli({ spec: 'ggml-org/tiny-llamas', destDir: dir, endpoint: hub.endpoint, out: out.stream, signal: controller.signal });
  expect(hub.paths).toHaveLength(1);
  expect(hub.paths[0]).toContain('/api/models/ggml-org/tiny-llamas');
  expect(result.exitCode).toBe(130);
  expect(result.outcome).toEqual({ status: 'cancelled', partPaths: [] });
  expect(out.text()).toMatch(/^cancelled/m);
  expect(out.text()).not.toContain('error');
  expect(await readdir(dir)).toEqual([]);
});

it('still exits 1 with a connection error when the listing fails without an abort', async () => {
  const controller = new AbortController();
  const hub = await startHub((req) => req.socket.destroy());
  const out = sink();
  const result = await pullFromCli({ spec: 'ggml-org/tiny-llamas', destDir: dir, endpoint: hub.endpoint, out: out.stream, signal: controller.signal });
  expect(hub.paths.length).toBeGreaterThanOrEqual(1);
  expect(result.exitCode).toBe(1);
  expect(result.outcome.status).toBe('error');
  expect(result.outcome.status === 'error' ? result.outcome.error.code : null).toBe('network');
  expect(out.text()).toMatch(/^error: /m);
});
