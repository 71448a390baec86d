/**
 * The control API's hardware, library and download routes on a real gateway
 * (Host/Origin guards and error handler included) on a free loopback port,
 * with every effect faked: a fixed hardware snapshot and bandwidth, a live
 * monitor over a counting systeminformation double, a temp data dir whose
 * models folder holds a symlink to stories260K and a corrupt .gguf, the
 * Hugging Face hub double, and a real secret store in the temp dir.
 *
 * Every response body the tests read goes through `api()` or `openEvents()`
 * and is kept in `seen`, so a test can assert that no secret ever left.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import type { Systeminformation } from 'systeminformation';
import { createGateway, listenGateway, type ListeningGateway } from '../../main/gateway/app.js';
import type { ModelDirectory } from '../../main/gateway/types.js';
import { createLiveMonitor, type LiveMonitor, type LiveSystemInfoSource } from '../../main/hardware/live.js';
import type { HardwareProbe } from '../../main/hardware/probe.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../../main/hardware/types.js';
import { ModelMetrics } from '../../main/metrics/model-metrics.js';
import { createModelCatalog } from '../../main/models/catalog.js';
import { allocatePort } from '../../main/runtimes/process/ports.js';
import { createSecretStore, type SecretStore } from '../../main/secrets/store.js';
import { createDownloadRouter } from '../../main/control/download-routes.js';
import { createHardwareRouter } from '../../main/control/hardware-routes.js';
import { createLibraryRouter } from '../../main/control/library-routes.js';
import { LibraryService, type LibraryServiceOptions } from '../../main/models/library/service.js';
import { startHubDouble, type HubDouble, type HubDoubleOptions } from '../fixtures/hf-hub-double.js';
import { GIB, machine, nvidiaGpu } from '../hardware/model-shapes.js';
import { testModel } from '../support/models.js';
import { TEST_CONTROL_TOKEN, controlFetch } from '../support/control-token.js';

export { TEST_CONTROL_TOKEN };

export { GIB };

/** 16 GiB of RAM and an 8 GiB NVIDIA GPU. */
export const TEST_MACHINE: HardwareSnapshot = machine({ ramGiB: 16, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4060', 8)] });
export const TEST_BANDWIDTH: MemoryBandwidth = {
  cpuGBps: 40,
  cpuSource: { kind: 'measured', detail: 'fixed for the test' },
  gpuGBps: 272,
  gpuSource: { kind: 'spec-table', detail: 'fixed for the test' },
};

export interface ControlHarness {
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly modelsDir: string;
  readonly service: LibraryService;
  readonly hub: HubDouble;
  readonly secrets: SecretStore;
  readonly monitor: LiveMonitor;
  /** Polls made by the live monitor (systeminformation calls to `mem`). */
  readonly livePolls: () => number;
  readonly probeCalls: { snapshot: number; refresh: number };
  /** Every response body read through the helpers below. */
  readonly seen: string[];
  /** Errors the gateway's error handler reported. */
  readonly loggedErrors: string[];
  api(path: string, init?: RequestInit): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  openEvents(path: string): Promise<EventReader>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly hub?: HubDoubleOptions;
  readonly service?: Partial<LibraryServiceOptions>;
  readonly liveIntervalMs?: number;
}

export async function startControlHarness(options: HarnessOptions = {}): Promise<ControlHarness> {
  const stories = testModel('stories260K.gguf'); // throws when the fixture is missing
  const dataDir = await mkdtemp(join(tmpdir(), 'homeport-control-'));
  const modelsDir = join(dataDir, 'models');
  await mkdir(modelsDir, { recursive: true });
  await symlink(stories, join(modelsDir, 'linked-stories.gguf'));
  await writeFile(join(modelsDir, 'corrupt.gguf'), Buffer.alloc(4096, 'this is not a GGUF file '));

  const hub = await startHubDouble(options.hub);
  const secrets = createSecretStore({ dir: join(dataDir, 'secrets') });

  const probeCalls = { snapshot: 0, refresh: 0 };
  let probedAt = 1_000;
  let current: HardwareSnapshot = { ...TEST_MACHINE, probedAt };
  const hardware: HardwareProbe = {
    snapshot: async () => {
      probeCalls.snapshot += 1;
      return current;
    },
    refresh: async () => {
      probeCalls.refresh += 1;
      probedAt += 1;
      current = { ...TEST_MACHINE, probedAt };
      return current;
    },
  };

  let memCalls = 0;
  const si: LiveSystemInfoSource = {
    mem: async () => {
      memCalls += 1;
      return { total: 16 * GIB, available: 10 * GIB, free: 2 * GIB } as Systeminformation.MemData;
    },
    currentLoad: async () => ({ currentLoad: 12.34 }) as Systeminformation.CurrentLoadData,
    graphics: async () => ({ controllers: [], displays: [] }),
  };
  const monitor = createLiveMonitor({ si, intervalMs: options.liveIntervalMs ?? 20 });

  const catalog = createModelCatalog({
    roots: { dataDirModels: modelsDir, extraFolders: [], hfHubCache: null, lmStudio: [], ollama: [] },
  });
  const service = new LibraryService({
    dataDir,
    hardware,
    bandwidth: async () => TEST_BANDWIDTH,
    // Known without a measurement, as the vendor table or a measurement kept on disk would give it.
    knownBandwidth: async () => TEST_BANDWIDTH,
    live: monitor,
    scan: () => catalog.scan(),
    secrets,
    hub: { endpoint: hub.endpoint },
    download: { retry: { maxRetries: 2, delayMs: () => 5 }, progressIntervalMs: 0 },
    ...options.service,
  });

  const control = Router();
  control.use(createHardwareRouter({ service, heartbeatMs: 50 }));
  control.use(createLibraryRouter({ service }));
  control.use(createDownloadRouter({ service, heartbeatMs: 50 }));

  const noModels: ModelDirectory = { resolve: () => undefined, list: () => [] };
  const loggedErrors: string[] = [];
  const port = await allocatePort({ host: '127.0.0.1' });
  const app = createGateway({
    port,
    models: noModels,
    metrics: new ModelMetrics(),
    bodyLimitBytes: 1 << 20,
    readyDeadlineMs: 1000,
    controlRoutes: control,
    controlToken: TEST_CONTROL_TOKEN,
    logError: (message, err) => loggedErrors.push(`${message}: ${err instanceof Error ? err.message : String(err)}`),
  });
  const gateway: ListeningGateway = await listenGateway(app, { port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}/homeport/v1`;
  const seen: string[] = [];
  const readers: EventReader[] = [];

  return {
    baseUrl,
    dataDir,
    modelsDir,
    service,
    hub,
    secrets,
    monitor,
    livePolls: () => memCalls,
    probeCalls,
    seen,
    loggedErrors,
    async api(path, init) {
      const response = await controlFetch(TEST_CONTROL_TOKEN, `${baseUrl}${path}`, init);
      const text = await response.text();
      seen.push(text);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined; // not JSON (an event stream, an empty body)
      }
      return { status: response.status, body, text, headers: response.headers };
    },
    async openEvents(path) {
      const reader = await EventReader.open(`${baseUrl}${path}`, seen);
      readers.push(reader);
      return reader;
    },
    async close() {
      for (const reader of readers) reader.abort();
      await service.close();
      await gateway.close();
      await hub.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ServerEvent {
  readonly event: string;
  readonly data: unknown;
}

/** A server-sent event stream read as a client would, event by event, with comments counted. */
export class EventReader {
  readonly status: number;
  readonly contentType: string | null;
  comments = 0;
  ended = false;
  private buffer = '';
  private readonly queue: ServerEvent[] = [];
  private wake: (() => void) | undefined;

  private constructor(
    private readonly response: Response,
    private readonly controller: AbortController,
    private readonly seen: string[],
  ) {
    this.status = response.status;
    this.contentType = response.headers.get('content-type');
    void this.pump();
  }

  static async open(url: string, seen: string[]): Promise<EventReader> {
    const controller = new AbortController();
    const response = await controlFetch(TEST_CONTROL_TOKEN, url, { signal: controller.signal });
    return new EventReader(response, controller, seen);
  }

  /** The next event; fails if the stream ends first or nothing comes within `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.ended) throw new Error('the event stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.queue.shift()!;
  }

  /** Every event until the server ends the stream. */
  async rest(timeoutMs = 20_000): Promise<ServerEvent[]> {
    const events: ServerEvent[] = [];
    for (;;) {
      try {
        events.push(await this.next(timeoutMs));
      } catch (error) {
        if (this.ended && this.queue.length === 0) return events;
        throw error;
      }
    }
  }

  /** Resolves when the server has ended the stream. */
  async closedByServer(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream is still open');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Disconnect, as a browser tab that closes. */
  abort(): void {
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        this.seen.push(text);
        this.buffer += text;
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) !== -1) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          this.parse(block);
        }
        this.wake?.();
      }
    } catch {
      // aborted by the test
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments += 1;
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length) this.queue.push({ event, data: JSON.parse(data.join('\n')) as unknown });
  }
}
