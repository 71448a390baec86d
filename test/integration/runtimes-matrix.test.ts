import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { testModel } from '../support/models.js';
import { isAlive, waitFor } from '../support/processes.js';
import { doubleBin, freePort, killAllDoubles, runDouble, spawnDouble, waitForHttp, type DoubleName, type RunningDouble } from '../fixtures/doubles/harness.js';
import { readRecord, type RecordEntry } from '../fixtures/doubles/record.js';
import { readServerInfo } from '../fixtures/doubles/lmstudio-state.js';
import { DOUBLE_VERSIONS } from '../fixtures/doubles/versions.js';
import type { ConfigInput } from '../../main/config/schema.js';
import type { ModelView } from '../../main/control/model-list.js';
import type { Decision } from '../../main/lifecycle/decisions.js';
import type { RuntimeDetection } from '../../main/runtimes/external/detect.js';
import { VLLM_NEEDS_GPU } from '../../main/runtimes/external/detect.js';
import type { UnavailableRuntime } from '../../main/runtimes/external/fleet/types.js';

/**
 * The four external runtimes through Homeport's real engine and gateway, one
 * engine per runtime (and mode), with the protocol doubles standing in for
 * the real binaries. Per runtime: detection, on-demand load from a gateway
 * request (with the exact command line / load request), one load for ten
 * concurrent cold requests, idle unload, LRU eviction (count limit and memory
 * budget), crash → backoff → failed for what Homeport starts, never killing a
 * server Homeport attached to, and no management path through the gateway.
 *
 * Every test stands alone: it sets up what it needs (loads the model it
 * evicts, waits out the idle TTL it relies on) and reads only the record
 * entries written since it began. Where an engine can be shared (runtimes
 * already running), one engine serves a describe: before each test it unloads
 * what Homeport loaded and restores the limits, and a test that stops the
 * engine gets the next test a new one. Where a test breaks the engine on
 * purpose (crash → failed of a runtime Homeport started), each test gets its
 * own engine. Engines serve external runtimes only (`modelPaths: []`), so no
 * embedded llama.cpp worker is started.
 */

// ------------------------------------------------------------ shared setup

/** Small supervisor numbers: two crashes within a minute give up. */
const SUPERVISOR = { startDeadlineMs: 30_000, stopTimeoutMs: 3_000, crashLimit: { count: 2, windowMs: 60_000 }, backoff: { initialMs: 100, factor: 2, maxMs: 1_000 }, logLines: 200 };
/** 0.05 min = 3 s: long enough for a test step, short enough to wait for. */
const IDLE_TTL_MINUTES = 0.05;
/** For the engines that test crashes: no idle unload while a crash is being noticed. */
const NO_LIMITS_LONG_TTL = { idleTtlMinutes: 15, maxLoadedModels: 0, memoryBudgetBytes: 0 };
const IDLE_WAIT_MS = 15_000;
const OFF = { mode: 'off' } as const;
/** Put into every management probe (query, header, body): it must never show up in a double's record. */
const MARKER = 'homeport-gateway-probe';

type StartEntry = Extract<RecordEntry, { kind: 'start' }>;
type RequestEntry = Extract<RecordEntry, { kind: 'request' }>;

interface RuntimesInfo {
  readonly detected: readonly RuntimeDetection[];
  readonly unavailable: readonly UnavailableRuntime[];
  readonly owners: ReadonlyArray<{ kind: string; runtime: string; attached: boolean; state: string }>;
}

async function getJson<T>(url: string, headers?: Headers): Promise<T> {
  const res = await fetch(url, headers ? { headers } : {});
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const runtimesInfo = (t: TestEngine) => getJson<RuntimesInfo>(`${t.origin}/homeport/v1/runtimes`, t.controlHeaders());
const modelViews = async (t: TestEngine) => (await getJson<{ data: ModelView[] }>(`${t.origin}/homeport/v1/models`, t.controlHeaders())).data;
const modelState = async (t: TestEngine, id: string) => (await modelViews(t)).find((m) => m.id === id)?.state;
const decisions = async (t: TestEngine) => (await getJson<{ data: Decision[] }>(`${t.origin}/homeport/v1/decisions?limit=1000`, t.controlHeaders())).data;

function detectionOf(info: RuntimesInfo, kind: string): RuntimeDetection {
  const found = info.detected.find((d) => d.kind === kind);
  if (found === undefined) throw new Error(`no detection for ${kind} in ${JSON.stringify(info.detected.map((d) => d.kind))}`);
  return found;
}

function chat(t: TestEngine, model: string) {
  return t.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });
}

/** The model's handle as the gateway uses it (the pool's managed runtime). */
function handleOf(t: TestEngine, modelId: string) {
  const handle = t.engine.pool.get(modelId);
  if (handle === undefined) throw new Error(`no model ${modelId} in the pool`);
  return handle;
}

async function waitForModelState(t: TestEngine, id: string, state: ModelView['state'], timeoutMs = IDLE_WAIT_MS): Promise<void> {
  const reached = await waitFor(async () => (await modelState(t, id)) === state, timeoutMs, 100);
  expect(reached, `${id} should become ${state} (is ${await modelState(t, id)})`).toBe(true);
}

/** `count` concurrent requests for a model that is not loaded; returns how often its handle went to `starting`. */
async function coldBurst(t: TestEngine, modelId: string, count = 10): Promise<number> {
  const handle = handleOf(t, modelId);
  expect(handle.snapshot().state).toBe('stopped');
  let starts = 0;
  const off = handle.subscribe((event) => {
    if (event.type === 'state' && event.to === 'starting') starts += 1;
  });
  try {
    const replies = await Promise.all(Array.from({ length: count }, () => chat(t, modelId)));
    for (const reply of replies) expect(reply.choices[0]?.message.content).toMatch(/^Hello from the /);
    return starts;
  } finally {
    off();
  }
}

/** The newest `evict` decision that made room for `candidate` by evicting `evicted`; its reason names both. */
async function expectEviction(t: TestEngine, evicted: string, candidate: string, limit: RegExp): Promise<void> {
  const evictions = (await decisions(t)).filter((d) => d.kind === 'evict' && d.model === evicted && d.details.for === candidate);
  const last = evictions.at(-1);
  expect(last, `an evict decision for ${evicted} to fit ${candidate}`).toBeDefined();
  expect(last!.reason).toContain(evicted);
  expect(last!.reason).toContain(candidate);
  expect(last!.reason).toMatch(limit);
}

async function expectIdleUnloadDecision(t: TestEngine, modelId: string): Promise<void> {
  const found = (await decisions(t)).filter((d) => d.kind === 'unload-idle' && d.model === modelId);
  expect(found.at(-1)?.reason).toMatch(new RegExp(`unloaded ${modelId.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: idle .* past its .* idle TTL`));
}

/** Run `check` with the pool limited to one loaded model (no memory budget), then restore the engine's limits. */
async function withCountLimitOfOne(t: TestEngine, check: () => Promise<void>): Promise<void> {
  const limits = t.engine.pool.limits;
  t.engine.pool.setLimits({ maxLoadedModels: 1, memoryBudgetBytes: 0 });
  try {
    await check();
  } finally {
    t.engine.pool.setLimits(limits);
  }
}

/** No idle unload and no eviction was ever decided for this model. */
async function expectNeverUnloaded(t: TestEngine, modelId: string): Promise<void> {
  const against = (await decisions(t)).filter((d) => (d.kind === 'unload-idle' || d.kind === 'evict') && d.model === modelId);
  expect(against.map((d) => `${d.kind}: ${d.reason}`)).toEqual([]);
  expect(await modelState(t, modelId)).toBe('loaded');
}

// ------------------------------------------------------------ records

/** Version queries detection runs (`llama-server --version`, `ollama -v`, `lms version --json`, `vllm --version`). */
function isVersionQuery(argv: readonly string[]): boolean {
  return ['--version', '-v', 'version'].includes(argv[0] ?? '');
}

/** How many entries `file` holds now: pass it as `from` to read only what came after. */
function recordMark(file: string): number {
  return readRecord(file).length;
}

function starts(file: string, runtime: string, from = 0): StartEntry[] {
  return readRecord(file)
    .slice(from)
    .filter((e): e is StartEntry => e.kind === 'start' && e.runtime === runtime);
}

function launches(file: string, runtime: string, from = 0): StartEntry[] {
  return starts(file, runtime, from).filter((e) => !isVersionQuery(e.argv));
}

function requests(file: string, from = 0): RequestEntry[] {
  return readRecord(file)
    .slice(from)
    .filter((e): e is RequestEntry => e.kind === 'request');
}

/** The runtime's own variables from a recorded environment (the doubles' HOMEPORT_DOUBLE_* knobs left out). */
function runtimeEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('HOMEPORT_DOUBLE_')));
}

function crashes(file: string, from = 0): number {
  return readRecord(file)
    .slice(from)
    .filter((e) => e.kind === 'crash').length;
}

// ------------------------------------------------------------ management paths

/**
 * A request with the path exactly as written (fetch would normalise `/v1/../x`). The body is framed by
 * Content-Length: without it a GET's body (with `Connection: close`) is a parse error before any route runs.
 */
function rawRequest(origin: string, method: string, path: string, body: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    // A fresh connection each time: the gateway does not read the body of a path it does not serve.
    const req = http.request({ host: hostname, port, method, path, agent: false, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-probe': MARKER } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Each management path answers an OpenAI-shaped 404 from the gateway (or, for /metrics, Homeport's own metrics), and no double ever sees the probe. */
async function expectManagementPathsBlocked(t: TestEngine, probes: ReadonlyArray<readonly [method: string, path: string]>, records: readonly string[]): Promise<void> {
  for (const [method, path] of probes) {
    const separator = path.includes('?') ? '&' : '?';
    const res = await rawRequest(t.origin, method, `${path}${separator}probe=${MARKER}`, JSON.stringify({ model: MARKER, name: MARKER, instance_id: MARKER }));
    if (method === 'GET' && path === '/metrics') {
      // Homeport's own Prometheus exposition answers here; the runtime's /metrics is never reached.
      expect(res.status, `${method} ${path}`).toBe(200);
      expect(res.body).toContain('homeport_requests_total');
      expect(res.body).not.toMatch(/^(vllm|llamacpp):/m);
      continue;
    }
    expect(res.status, `${method} ${path}`).toBe(404);
    const error = (JSON.parse(res.body) as { error?: { message?: unknown; type?: unknown } }).error;
    expect(typeof error?.message, `${method} ${path}`).toBe('string');
    expect(typeof error?.type, `${method} ${path}`).toBe('string');
  }
  for (const file of records) expect(await readFile(file, 'utf8').catch(() => '')).not.toContain(MARKER);
}

// ------------------------------------------------------------ crash → failed (Homeport-spawned servers)

/**
 * HOMEPORT_DOUBLE_CRASH_AFTER=1 makes every process Homeport spawns for this
 * model exit right after its first answer. With crashLimit 2 the supervisor
 * restarts once (after its backoff), then gives up: `failed`, and the gateway
 * answers 503 with the reason.
 */
async function crashUntilFailed(t: TestEngine, modelId: string): Promise<void> {
  const handle = handleOf(t, modelId);
  expect(handle.snapshot().state).toBe('stopped');
  process.env.HOMEPORT_DOUBLE_CRASH_AFTER = '1'; // inherited by the processes Homeport spawns
  try {
    expect((await chat(t, modelId)).choices[0]?.message.content).toMatch(/^Hello from the /);
    const restarted = await waitFor(() => handle.snapshot().restarts >= 1 && handle.snapshot().state === 'ready', 20_000, 50);
    expect(restarted, `restarted after the first crash (state ${handle.snapshot().state})`).toBe(true);
    expect(handle.logs().some((l) => /restart 1 of at most 1 within 60 s, in 100 ms/.test(l.line))).toBe(true);
    expect((await chat(t, modelId)).choices[0]?.message.content).toMatch(/^Hello from the /);
    expect(await waitFor(() => handle.snapshot().state === 'failed', 20_000, 50)).toBe(true);
  } finally {
    delete process.env.HOMEPORT_DOUBLE_CRASH_AFTER;
  }
  await expectFailedAnswer(t, modelId);
}

/** The gateway answers 503 `runtime_failed` naming the crashes; the engine itself stays up. */
async function expectFailedAnswer(t: TestEngine, modelId: string): Promise<void> {
  const res = await fetch(`${t.engine.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: modelId, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  expect(res.status).toBe(503);
  const error = ((await res.json()) as { error: { code: string; type: string; message: string } }).error;
  expect(error.code).toBe('runtime_failed');
  expect(error.message).toMatch(/crashed 2 times within 60 s/);
  expect((await t.controlFetch('/homeport/v1/status')).status).toBe(200);
  expect((await t.client.models.list()).data.some((m) => m.id === modelId)).toBe(true);
}

/** The engine config for one runtime: small supervisor numbers, a short idle TTL, no limits unless given. */
function configFor(runtimes: ConfigInput['runtimes'], lifecycle: ConfigInput['lifecycle'] = { idleTtlMinutes: IDLE_TTL_MINUTES, maxLoadedModels: 0, memoryBudgetBytes: 0 }): ConfigInput {
  return { supervisor: SUPERVISOR, readyDeadlineMs: 30_000, lifecycle, runtimes };
}

/** Every pid a double of `runtime` recorded for a real launch is gone. */
function expectLaunchesGone(file: string, runtime: string): void {
  const pids = launches(file, runtime).map((e) => e.pid);
  expect(pids.length).toBeGreaterThan(0);
  expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
}

function tempDir(name: DoubleName | 'lmstudio'): Promise<string> {
  return mkdtemp(join(tmpdir(), `homeport-matrix-${name}-`));
}

/** Past the idle TTL, with room for the pool's timer to fire. */
function outlastIdleTtl(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, IDLE_TTL_MINUTES * 60_000 * 1.5));
}

/**
 * One engine shared by the tests of a describe, each test still standing
 * alone: `prepare()` (in beforeEach) starts an engine when there is none or a
 * test stopped it, else unloads the models Homeport may have loaded and
 * restores the limits; `engineFrom` marks the record where the current engine
 * began (its detection queries come after it).
 */
interface SharedEngine {
  readonly t: TestEngine;
  /** Record entries before the current engine started. */
  readonly engineFrom: number;
  prepare(): Promise<void>;
  /** Stop the engine; the next test gets a new one. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

function sharedEngine(options: { start: () => Promise<TestEngine>; record: () => string; unloadable: readonly string[] }): SharedEngine {
  let current: TestEngine | undefined;
  let stopped = false;
  let engineFrom = 0;
  let limits: TestEngine['engine']['pool']['limits'] | undefined;
  return {
    get t() {
      if (current === undefined) throw new Error('no engine: prepare() runs in beforeEach');
      return current;
    },
    get engineFrom() {
      return engineFrom;
    },
    async prepare() {
      if (current === undefined || stopped) {
        engineFrom = recordMark(options.record());
        current = await options.start();
        stopped = false;
        limits = current.engine.pool.limits;
        return;
      }
      current.engine.pool.setLimits(limits!);
      for (const id of options.unloadable) await handleOf(current, id).stop();
      for (const id of options.unloadable) await waitForModelState(current, id, 'available', 10_000);
    },
    async stop() {
      stopped = true;
      await current?.engine.stop();
    },
    async close() {
      if (!stopped) await current?.engine.stop();
    },
  };
}


// =================================================================== llama-server

describe('llama-server: configured models spawned on demand, next to one already running (attached)', () => {
  const gguf = testModel('stories260K.gguf');
  let foreign: RunningDouble;
  let foreignUrl: string;
  let record: string;
  let foreignRecord: string;
  let ggufBytes: number;
  /** Record entries before the current test. */
  let from = 0;
  const shared = sharedEngine({
    record: () => record,
    unloadable: ['llama-server/alpha', 'llama-server/beta'],
    start: () =>
      startTestEngine({
        modelPaths: [],
        config: configFor(
          {
            llamaServer: { mode: 'auto', path: doubleBin('llama-server'), url: foreignUrl },
            llamaServerModels: [
              { path: gguf, id: 'alpha', ctx: 256, parallel: 2, threads: 1, ngl: 0 },
              { path: gguf, id: 'beta', ctx: 256, parallel: 1 },
              { path: gguf, id: 'crashy', ctx: 256, parallel: 1 },
            ],
            ollama: OFF,
            lmstudio: OFF,
            vllm: OFF,
          },
          // Room for one copy of the GGUF, not two (the attached server counts 0: Homeport cannot unload it).
          { idleTtlMinutes: IDLE_TTL_MINUTES, maxLoadedModels: 0, memoryBudgetBytes: Math.floor(ggufBytes * 1.5) },
        ),
      }),
  });

  beforeAll(async () => {
    const dir = await tempDir('llama-server');
    record = join(dir, 'spawned.jsonl');
    foreignRecord = join(dir, 'foreign.jsonl');
    ggufBytes = (await stat(gguf)).size;
    const port = await freePort();
    foreignUrl = `http://127.0.0.1:${port}`;
    foreign = spawnDouble('llama-server', ['-m', gguf, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-a', 'foreign'], { env: { HOMEPORT_DOUBLE_RECORD: foreignRecord } });
    await waitForHttp(`${foreignUrl}/health`, { deadlineMs: 30_000 });
    process.env.HOMEPORT_DOUBLE_RECORD = record; // inherited by the llama-servers Homeport spawns (and its --version probe)
  });
  beforeEach(async () => {
    await shared.prepare();
    from = recordMark(record);
  });
  afterAll(async () => {
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    await shared.close();
    await killAllDoubles();
  });

  it('detects the binary (version parsed) and the server already running at the configured URL', async () => {
    const info = await runtimesInfo(shared.t);
    expect(detectionOf(info, 'llama-server')).toMatchObject({
      installed: true,
      binaryPath: doubleBin('llama-server'),
      version: `b${DOUBLE_VERSIONS.llamaServer.build} (${DOUBLE_VERSIONS.llamaServer.commit})`,
      running: true,
      url: foreignUrl,
      available: true,
    });
    expect(info.owners.filter((o) => o.kind === 'llama-server').map((o) => [o.runtime, o.attached])).toEqual(
      expect.arrayContaining([
        [`llama-server@127.0.0.1:${new URL(foreignUrl).port}`, true],
        ['llama-server/alpha', false],
        ['llama-server/beta', false],
        ['llama-server/crashy', false],
      ]),
    );
    expect(info.unavailable).toEqual([]);
    // Detection asked the configured binary for its version, once.
    expect(starts(record, 'llama-server', shared.engineFrom).filter((e) => isVersionQuery(e.argv)).map((e) => e.argv)).toEqual([['--version']]);
  });

  it('loads a model on the first gateway request, with exactly the configured command line', async () => {
    const t = shared.t;
    expect(await modelState(t, 'llama-server/alpha')).toBe('available');
    const reply = await chat(t, 'llama-server/alpha');
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the llama-server double\. Model alpha read/);
    expect(await modelState(t, 'llama-server/alpha')).toBe('loaded');

    const [launch, ...more] = launches(record, 'llama-server', from);
    expect(more).toEqual([]);
    const port = handleOf(t, 'llama-server/alpha').snapshot().port;
    expect(launch!.argv).toEqual(['-m', gguf, '--host', '127.0.0.1', '--port', String(port), '-c', '512', '-np', '2', '--cors-origins', 'http://homeport.invalid', '-ngl', '0', '-t', '1', '-a', 'alpha']);
    // The API key goes by environment (not visible in ps), and the gateway sends it.
    const env = runtimeEnv(launch!.env);
    expect(Object.keys(env)).toEqual(['LLAMA_API_KEY']);
    expect(env.LLAMA_API_KEY!.length).toBeGreaterThanOrEqual(32);
    const forwarded = requests(record, from).filter((r) => r.path === '/v1/chat/completions');
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.headers.authorization).toBe(`Bearer ${env.LLAMA_API_KEY}`);
  });

  it('unloads it after the idle TTL: the process exits and `unload-idle` is recorded', async () => {
    const t = shared.t;
    await chat(t, 'llama-server/alpha');
    const pid = handleOf(t, 'llama-server/alpha').snapshot().pid!;
    await waitForModelState(t, 'llama-server/alpha', 'available');
    expect(isAlive(pid)).toBe(false);
    await expectIdleUnloadDecision(t, 'llama-server/alpha');
  });

  it('starts one process for ten concurrent cold requests', async () => {
    expect(await coldBurst(shared.t, 'llama-server/beta')).toBe(1);
    expect(launches(record, 'llama-server', from).filter((e) => e.argv.includes('beta'))).toHaveLength(1);
  });

  it('evicts the least recently used model when the memory budget holds only one', async () => {
    const t = shared.t;
    await chat(t, 'llama-server/beta');
    const betaPid = handleOf(t, 'llama-server/beta').snapshot().pid!;
    await chat(t, 'llama-server/alpha');
    expect(await modelState(t, 'llama-server/beta')).toBe('available');
    expect(isAlive(betaPid)).toBe(false);
    await expectEviction(t, 'llama-server/beta', 'llama-server/alpha', /budget/);
  });

  it('evicts the least recently used model under a count limit of one', async () => {
    const t = shared.t;
    await chat(t, 'llama-server/alpha');
    await withCountLimitOfOne(t, async () => {
      const alphaPid = handleOf(t, 'llama-server/alpha').snapshot().pid!;
      await chat(t, 'llama-server/beta');
      expect(await modelState(t, 'llama-server/alpha')).toBe('available');
      expect(isAlive(alphaPid)).toBe(false);
      await expectEviction(t, 'llama-server/alpha', 'llama-server/beta', /limit of 1 loaded model/);
    });
  });

  // A model on a server Homeport attached to cannot be unloaded by Homeport (its stop() only lets go), so the
  // pool must neither idle-unload it nor count or evict it (RuntimeHandle.managesLoad). Found by this test.
  it('never idle-unloads or evicts the model of the attached server (Homeport cannot unload it)', async () => {
    const t = shared.t;
    expect((await chat(t, 'llama-server/foreign')).choices[0]?.message.content).toMatch(/Model foreign/);
    await chat(t, 'llama-server/alpha'); // fills the memory budget
    await outlastIdleTtl();
    await expectNeverUnloaded(t, 'llama-server/foreign');
  });

  it('answers management paths with 404 and never forwards them', async () => {
    await expectManagementPathsBlocked(
      shared.t,
      [
        ['GET', '/slots'],
        ['POST', '/slots/0?action=erase'],
        ['POST', '/props'],
        ['GET', '/metrics'],
        ['POST', '/models/load'],
        ['POST', '/lora-adapters'],
        ['POST', '/v1/../slots/0?action=erase'],
      ],
      [record, foreignRecord],
    );
  });

  it('crash → restart after backoff → failed: the gateway answers 503 with the reason and the engine stays up', async () => {
    const t = shared.t;
    await crashUntilFailed(t, 'llama-server/crashy');
    const crashyPids = new Set(launches(record, 'llama-server', from).filter((e) => e.argv.includes('crashy')).map((e) => e.pid));
    expect(crashyPids.size).toBe(2);
    expect(readRecord(record).filter((e) => e.kind === 'crash' && crashyPids.has(e.pid))).toHaveLength(2);
    // The other models still answer.
    expect((await chat(t, 'llama-server/alpha')).choices[0]?.message.content).toMatch(/Model alpha/);
    await shared.stop(); // crashy stays failed in this engine: the next test gets a new one
  });

  it('stopping the engine stops what it spawned and leaves the attached server running', async () => {
    const t = shared.t;
    expect((await chat(t, 'llama-server/alpha')).choices[0]?.message.content).toMatch(/Model alpha/);
    expect((await chat(t, 'llama-server/foreign')).choices[0]?.message.content).toMatch(/Model foreign/);
    await shared.stop();
    const spawned = launches(record, 'llama-server', from);
    expect(spawned.length).toBeGreaterThan(0);
    expect(spawned.filter((e) => isAlive(e.pid))).toEqual([]);
    expect(isAlive(foreign.pid)).toBe(true);
    expect(await (await fetch(`${foreignUrl}/health`)).json()).toEqual({ status: 'ok' });
    expect(readRecord(foreignRecord).filter((e) => e.kind === 'signal')).toEqual([]);
  });
});

// =================================================================== Ollama

const OLLAMA_MODELS = [
  { name: 'tinyllama:latest', sizeBytes: 600_000_000 },
  { name: 'smollm2:135m', sizeBytes: 270_000_000 },
  { name: 'qwen3:0.6b', sizeBytes: 1_000 },
];

describe('Ollama already running: Homeport attaches and loads models on demand', () => {
  let ollama: RunningDouble;
  let url: string;
  let record: string;
  /** Record entries before the current test. */
  let from = 0;
  const shared = sharedEngine({
    record: () => record,
    unloadable: ['ollama/tinyllama:latest', 'ollama/smollm2:135m'],
    start: () =>
      startTestEngine({
        modelPaths: [],
        config: configFor(
          { llamaServer: OFF, ollama: { mode: 'attach', url }, lmstudio: OFF, vllm: OFF },
          // 700 MB: tinyllama (600 MB) or smollm2 (270 MB), not both.
          { idleTtlMinutes: IDLE_TTL_MINUTES, maxLoadedModels: 0, memoryBudgetBytes: 700_000_000 },
        ),
      }),
  });

  const ps = async () => (await getJson<{ models: Array<{ name: string; context_length: number }> }>(`${url}/api/ps`)).models;
  const loadRequests = (model: string) =>
    requests(record, from).filter((r) => r.path === '/api/generate' && (r.body as { model?: string; keep_alive?: unknown }).model === model && (r.body as { keep_alive?: unknown }).keep_alive !== 0);

  beforeAll(async () => {
    const dir = await tempDir('ollama');
    record = join(dir, 'ollama.jsonl');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    ollama = spawnDouble('ollama', ['serve'], { env: { OLLAMA_HOST: `127.0.0.1:${port}`, HOMEPORT_DOUBLE_MODELS: JSON.stringify(OLLAMA_MODELS), HOMEPORT_DOUBLE_RECORD: record } });
    await waitForHttp(`${url}/`, { deadlineMs: 30_000 });
    // Another client has qwen3 loaded before Homeport starts.
    const preload = await fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'qwen3:0.6b' }) });
    expect(preload.status).toBe(200);
  });
  beforeEach(async () => {
    await shared.prepare();
    from = recordMark(record);
  });
  afterAll(async () => {
    await shared.close();
    await killAllDoubles();
  });

  it('detects the running Ollama and its version', async () => {
    const info = await runtimesInfo(shared.t);
    expect(detectionOf(info, 'ollama')).toMatchObject({ running: true, url, version: DOUBLE_VERSIONS.ollama, available: true });
    expect(info.owners).toEqual([{ kind: 'ollama', runtime: 'ollama', attached: true, state: 'ready' }]);
    expect((await modelViews(shared.t)).map((m) => [m.id, m.sizeBytes])).toEqual(OLLAMA_MODELS.map((m) => [`ollama/${m.name}`, m.sizeBytes]));
  });

  it('loads a model on the first gateway request (no num_ctx: the attached Ollama keeps its own context), then forwards', async () => {
    const t = shared.t;
    expect(await modelState(t, 'ollama/tinyllama:latest')).toBe('available');
    const reply = await chat(t, 'ollama/tinyllama:latest');
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the ollama double\. Model tinyllama:latest read/);
    expect(await modelState(t, 'ollama/tinyllama:latest')).toBe('loaded');
    expect(loadRequests('tinyllama:latest').map((r) => r.body)).toEqual([{ model: 'tinyllama:latest', keep_alive: -1 }]);
    const forwarded = requests(record, from).filter((r) => r.path === '/v1/chat/completions');
    expect(forwarded.map((r) => (r.body as { model: string }).model)).toEqual(['tinyllama:latest']);
  });

  // Ollama's /v1 surface cannot carry num_ctx, so a context asked for at load time would be undone by the first
  // request (its scheduler reloads at the server's own default). Attached, Homeport reports what Ollama really uses.
  it("reports the attached Ollama's real context for a loaded model", async () => {
    const t = shared.t;
    await chat(t, 'ollama/tinyllama:latest');
    const real = (await ps()).find((m) => m.name === 'tinyllama:latest')?.context_length;
    expect(real).toBeGreaterThan(0);
    await t.engine.status(); // let the daemon's loaded list refresh through the engine
    await t.controlFetch('/homeport/v1/runtimes/refresh', { method: 'POST' });
    expect((await modelViews(t)).find((m) => m.id === 'ollama/tinyllama:latest')?.contextLength).toBe(real);
  });

  it('unloads it after the idle TTL while Ollama keeps running', async () => {
    const t = shared.t;
    await chat(t, 'ollama/tinyllama:latest');
    await waitForModelState(t, 'ollama/tinyllama:latest', 'available');
    await expectIdleUnloadDecision(t, 'ollama/tinyllama:latest');
    expect((await ps()).map((m) => m.name)).not.toContain('tinyllama:latest');
    expect(requests(record, from).some((r) => r.path === '/api/generate' && JSON.stringify(r.body) === JSON.stringify({ model: 'tinyllama:latest', keep_alive: 0 }))).toBe(true);
    expect(await (await fetch(`${url}/`)).text()).toBe('Ollama is running');
  });

  it('sends one load request for ten concurrent cold requests', async () => {
    expect(await coldBurst(shared.t, 'ollama/smollm2:135m')).toBe(1);
    expect(loadRequests('smollm2:135m')).toHaveLength(1);
  });

  it('evicts the least recently used model when the memory budget holds only one (sizes from Ollama)', async () => {
    const t = shared.t;
    await chat(t, 'ollama/smollm2:135m');
    await chat(t, 'ollama/tinyllama:latest');
    expect(await modelState(t, 'ollama/smollm2:135m')).toBe('available');
    const loaded = (await ps()).map((m) => m.name);
    expect(loaded).toContain('tinyllama:latest');
    expect(loaded).not.toContain('smollm2:135m');
    await expectEviction(t, 'ollama/smollm2:135m', 'ollama/tinyllama:latest', /budget/);
  });

  it('evicts the least recently used model under a count limit of one', async () => {
    const t = shared.t;
    await chat(t, 'ollama/tinyllama:latest');
    await withCountLimitOfOne(t, async () => {
      await chat(t, 'ollama/smollm2:135m');
      expect(await modelState(t, 'ollama/tinyllama:latest')).toBe('available');
      const loaded = (await ps()).map((m) => m.name);
      expect(loaded).toContain('smollm2:135m');
      expect(loaded).not.toContain('tinyllama:latest');
      await expectEviction(t, 'ollama/tinyllama:latest', 'ollama/smollm2:135m', /limit of 1 loaded model/);
    });
  });

  // A model another client loaded into the attached Ollama is theirs: Homeport never sees that client's use of
  // it, so it must never idle-unload or evict it (DaemonModelRuntime.managesLoad). Found by this test.
  it('leaves a model another client loaded in the attached Ollama alone', async () => {
    const t = shared.t;
    await chat(t, 'ollama/tinyllama:latest'); // fills the memory budget
    await outlastIdleTtl();
    await expectNeverUnloaded(t, 'ollama/qwen3:0.6b');
    expect((await ps()).map((m) => m.name)).toContain('qwen3:0.6b');
  });

  it('answers management paths with 404 and never forwards them', async () => {
    await expectManagementPathsBlocked(
      shared.t,
      [
        ['POST', '/api/pull'],
        ['DELETE', '/api/delete'],
        ['POST', '/api/create'],
        ['POST', '/api/copy'],
        ['POST', '/api/push'],
        ['POST', '/api/blobs/sha256:0000'],
        ['POST', '/api/generate'],
        ['GET', '/api/ps'],
        ['POST', '/v1/../api/pull'],
      ],
      [record],
    );
  });

  it('stopping the engine unloads what Homeport loaded and leaves Ollama running', async () => {
    await chat(shared.t, 'ollama/smollm2:135m');
    expect((await ps()).map((m) => m.name)).toContain('smollm2:135m');
    await shared.stop();
    expect(isAlive(ollama.pid)).toBe(true);
    expect(await (await fetch(`${url}/`)).text()).toBe('Ollama is running');
    expect((await ps()).map((m) => m.name)).not.toContain('smollm2:135m');
    expect(readRecord(record).filter((e) => e.kind === 'signal')).toEqual([]);
  });
});

describe('Ollama started by Homeport (spawn): command line, crash → backoff → failed', () => {
  // Each test gets its own engine and its own Ollama: the crash test leaves the daemon failed.
  let t: TestEngine;
  let record: string;

  beforeEach(async () => {
    const dir = await tempDir('ollama');
    record = join(dir, 'ollama.jsonl');
    // Inherited by the `ollama serve` Homeport starts: it crashes after each answer.
    process.env.HOMEPORT_DOUBLE_RECORD = record;
    process.env.HOMEPORT_DOUBLE_MODELS = JSON.stringify(OLLAMA_MODELS);
    process.env.HOMEPORT_DOUBLE_CRASH_AFTER = '1';
    t = await startTestEngine({
      modelPaths: [],
      config: configFor({ llamaServer: OFF, ollama: { mode: 'spawn', path: doubleBin('ollama'), contextLength: 8192 }, lmstudio: OFF, vllm: OFF }, NO_LIMITS_LONG_TTL),
    });
  });
  afterEach(async () => {
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    delete process.env.HOMEPORT_DOUBLE_MODELS;
    delete process.env.HOMEPORT_DOUBLE_CRASH_AFTER;
    await t?.engine.stop();
  });

  const owner = async () => (await runtimesInfo(t)).owners.find((o) => o.kind === 'ollama');

  it('detects the installed binary and its version, and owns the Ollama it started', async () => {
    const info = await runtimesInfo(t);
    expect(detectionOf(info, 'ollama')).toMatchObject({ installed: true, binaryPath: doubleBin('ollama'), version: DOUBLE_VERSIONS.ollama, available: true });
    expect(await owner()).toEqual({ kind: 'ollama', runtime: 'ollama', attached: false, state: 'ready' });
    expect(starts(record, 'ollama').filter((e) => isVersionQuery(e.argv)).map((e) => e.argv)).toEqual([['-v']]);
  });

  it('starts `ollama serve` configured by environment only, and loads a model on the first request', async () => {
    expect(await modelState(t, 'ollama/tinyllama:latest')).toBe('available');
    const reply = await chat(t, 'ollama/tinyllama:latest'); // the daemon crashes right after this answer (crash 1)
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the ollama double\. Model tinyllama:latest read/);
    const [serve] = launches(record, 'ollama');
    expect(serve!.argv).toEqual(['serve']);
    const port = Number(/:(\d+)$/.exec(runtimeEnv(serve!.env).OLLAMA_HOST ?? '')?.[1]);
    expect(runtimeEnv(serve!.env)).toEqual({ OLLAMA_HOST: `127.0.0.1:${port}`, OLLAMA_CONTEXT_LENGTH: '8192', OLLAMA_NO_CLOUD: '1', OLLAMA_KEEP_ALIVE: '-1' });
    // Homeport's own Ollama has the context from its environment: the load asks for nothing more.
    const loads = requests(record).filter((r) => r.path === '/api/generate' && (r.body as { keep_alive?: unknown }).keep_alive !== 0);
    expect(loads.map((r) => r.body)).toEqual([{ model: 'tinyllama:latest', keep_alive: -1 }]);
    expect(loads[0]!.headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('crash → restart after backoff → failed: the gateway answers 503 with the reason and the engine stays up', async () => {
    // Crash 1: the daemon exits after its first answer and the model is gone with it; the supervisor starts Ollama again.
    expect((await chat(t, 'ollama/tinyllama:latest')).choices[0]?.message.content).toMatch(/^Hello from the ollama double/);
    await waitForModelState(t, 'ollama/tinyllama:latest', 'available');
    expect(await waitFor(async () => (await owner())?.state === 'ready', 20_000, 100)).toBe(true);
    expect(launches(record, 'ollama')).toHaveLength(2);
    expect((await chat(t, 'ollama/tinyllama:latest')).choices[0]?.message.content).toMatch(/^Hello from the ollama double/);
    // Crash 2: two within a minute, the supervisor gives up.
    expect(await waitFor(async () => (await owner())?.state === 'failed', 20_000, 100)).toBe(true);
    expect(crashes(record)).toBe(2);
    await expectFailedAnswer(t, 'ollama/tinyllama:latest');
    expect(launches(record, 'ollama')).toHaveLength(2);
  });

  it('stopping the engine leaves no Ollama process behind', async () => {
    expect(launches(record, 'ollama').length).toBeGreaterThan(0);
    await t.engine.stop();
    expectLaunchesGone(record, 'ollama');
  });
});

// =================================================================== LM Studio

const LMSTUDIO_MODELS = [
  { name: 'qwen2.5-0.5b-instruct', sizeBytes: 400_000_000, contextLength: 32768 },
  { name: 'llama-3.2-1b-instruct', sizeBytes: 800_000_000, contextLength: 131072 },
];

/** Kill the detached LM Studio server double of `home`, if one is left. */
function killLmStudioServer(home: string): void {
  const info = readServerInfo(home);
  if (info !== null && isAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
}

describe('LM Studio already running: Homeport attaches and loads through its REST API', () => {
  let home: string;
  let url: string;
  let record: string;
  let serverPid: number;
  /** Record entries before the current test. */
  let from = 0;
  const shared = sharedEngine({
    record: () => record,
    unloadable: ['lmstudio/qwen2.5-0.5b-instruct', 'lmstudio/llama-3.2-1b-instruct'],
    start: () =>
      startTestEngine({
        modelPaths: [],
        config: configFor(
          { llamaServer: OFF, ollama: OFF, lmstudio: { mode: 'attach', url, contextLength: 8192 }, vllm: OFF },
          // 1 GB: one of the two models, not both.
          { idleTtlMinutes: IDLE_TTL_MINUTES, maxLoadedModels: 0, memoryBudgetBytes: 1_000_000_000 },
        ),
      }),
  });

  const v0 = async () => (await getJson<{ data: Array<{ id: string; state: string }> }>(`${url}/api/v0/models`)).data;
  const stateOf = async (key: string) => (await v0()).find((m) => m.id === key)?.state;
  const loadRequests = (key: string) => requests(record, from).filter((r) => r.path === '/api/v1/models/load' && (r.body as { model?: string }).model === key);

  beforeAll(async () => {
    home = await tempDir('lmstudio');
    record = join(home, 'lmstudio.jsonl');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { HOMEPORT_DOUBLE_LMS_HOME: home, HOMEPORT_DOUBLE_MODELS: JSON.stringify(LMSTUDIO_MODELS), HOMEPORT_DOUBLE_RECORD: record };
    const started = await runDouble('lms', ['server', 'start', '--port', String(port)], { env });
    expect(started.code, started.stderr).toBe(0);
    serverPid = readServerInfo(home)!.pid;
  });
  beforeEach(async () => {
    await shared.prepare();
    from = recordMark(record);
  });
  afterAll(async () => {
    await shared.close();
    killLmStudioServer(home);
  });

  it('detects the running LM Studio server', async () => {
    const info = await runtimesInfo(shared.t);
    expect(detectionOf(info, 'lmstudio')).toMatchObject({ running: true, url, available: true });
    expect(info.owners).toEqual([{ kind: 'lmstudio', runtime: 'lmstudio', attached: true, state: 'ready' }]);
    expect((await modelViews(shared.t)).map((m) => [m.id, m.sizeBytes])).toEqual(LMSTUDIO_MODELS.map((m) => [`lmstudio/${m.name}`, m.sizeBytes]));
  });

  it('loads a model on the first gateway request (REST load with the configured context), then forwards', async () => {
    const t = shared.t;
    expect(await modelState(t, 'lmstudio/qwen2.5-0.5b-instruct')).toBe('available');
    const reply = await chat(t, 'lmstudio/qwen2.5-0.5b-instruct');
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the lmstudio double\. Model qwen2.5-0.5b-instruct read/);
    expect(loadRequests('qwen2.5-0.5b-instruct').map((r) => r.body)).toEqual([{ model: 'qwen2.5-0.5b-instruct', context_length: 8192 }]);
    expect(requests(record, from).filter((r) => r.path === '/v1/chat/completions').map((r) => (r.body as { model: string }).model)).toEqual(['qwen2.5-0.5b-instruct']);
    expect(await stateOf('qwen2.5-0.5b-instruct')).toBe('loaded');
  });

  it('unloads it after the idle TTL while the server keeps running (`lms ps` shows nothing loaded)', async () => {
    const t = shared.t;
    await chat(t, 'lmstudio/qwen2.5-0.5b-instruct');
    await waitForModelState(t, 'lmstudio/qwen2.5-0.5b-instruct', 'available');
    await expectIdleUnloadDecision(t, 'lmstudio/qwen2.5-0.5b-instruct');
    expect(await stateOf('qwen2.5-0.5b-instruct')).toBe('not-loaded');
    const ps = await runDouble('lms', ['ps', '--json'], { env: { HOMEPORT_DOUBLE_LMS_HOME: home } });
    expect(JSON.parse(ps.stdout)).toEqual([]);
    expect(await (await fetch(`${url}/lmstudio-greeting`)).json()).toEqual({ lmstudio: true });
  });

  it('sends one load request for ten concurrent cold requests', async () => {
    expect(await coldBurst(shared.t, 'lmstudio/llama-3.2-1b-instruct')).toBe(1);
    expect(loadRequests('llama-3.2-1b-instruct')).toHaveLength(1);
  });

  it('evicts the least recently used model when the memory budget holds only one', async () => {
    const t = shared.t;
    await chat(t, 'lmstudio/llama-3.2-1b-instruct');
    await chat(t, 'lmstudio/qwen2.5-0.5b-instruct');
    expect(await modelState(t, 'lmstudio/llama-3.2-1b-instruct')).toBe('available');
    expect(await stateOf('llama-3.2-1b-instruct')).toBe('not-loaded');
    expect(await stateOf('qwen2.5-0.5b-instruct')).toBe('loaded');
    await expectEviction(t, 'lmstudio/llama-3.2-1b-instruct', 'lmstudio/qwen2.5-0.5b-instruct', /budget/);
  });

  it('evicts the least recently used model under a count limit of one', async () => {
    const t = shared.t;
    await chat(t, 'lmstudio/qwen2.5-0.5b-instruct');
    await withCountLimitOfOne(t, async () => {
      await chat(t, 'lmstudio/llama-3.2-1b-instruct');
      expect(await modelState(t, 'lmstudio/qwen2.5-0.5b-instruct')).toBe('available');
      expect(await stateOf('qwen2.5-0.5b-instruct')).toBe('not-loaded');
      expect(await stateOf('llama-3.2-1b-instruct')).toBe('loaded');
      await expectEviction(t, 'lmstudio/qwen2.5-0.5b-instruct', 'lmstudio/llama-3.2-1b-instruct', /limit of 1 loaded model/);
    });
  });

  it('answers management paths with 404 and never forwards them', async () => {
    await expectManagementPathsBlocked(
      shared.t,
      [
        ['POST', '/api/v1/models/load'],
        ['POST', '/api/v1/models/unload'],
        ['POST', '/api/v1/models/download'],
        ['POST', '/api/v1/chat'],
        ['GET', '/api/v0/models'],
        ['POST', '/v1/../api/v1/models/load'],
      ],
      [record],
    );
  });

  it('stopping the engine unloads what Homeport loaded and leaves the server running', async () => {
    await chat(shared.t, 'lmstudio/llama-3.2-1b-instruct');
    expect(await stateOf('llama-3.2-1b-instruct')).toBe('loaded');
    await shared.stop();
    expect(isAlive(serverPid)).toBe(true);
    expect(await (await fetch(`${url}/lmstudio-greeting`)).json()).toEqual({ lmstudio: true });
    expect(await stateOf('llama-3.2-1b-instruct')).toBe('not-loaded');
    expect(readRecord(record).filter((e) => e.kind === 'signal')).toEqual([]);
  });
});

describe('LM Studio started by Homeport (spawn, `lms` CLI): command lines, crash → backoff → failed', () => {
  // Each test gets its own engine, LM Studio home and server: the crash test leaves the server failed.
  let t: TestEngine;
  let home: string;
  let record: string;

  const owner = async () => (await runtimesInfo(t)).owners.find((o) => o.kind === 'lmstudio');

  beforeEach(async () => {
    home = await tempDir('lmstudio');
    record = join(home, 'lmstudio.jsonl');
    // Inherited by every `lms` Homeport runs and by the server `lms server start` launches.
    process.env.HOMEPORT_DOUBLE_LMS_HOME = home;
    process.env.HOMEPORT_DOUBLE_MODELS = JSON.stringify(LMSTUDIO_MODELS);
    process.env.HOMEPORT_DOUBLE_RECORD = record;
    process.env.HOMEPORT_DOUBLE_CRASH_AFTER = '1'; // the server crashes after each answer
    t = await startTestEngine({
      modelPaths: [],
      config: configFor({ llamaServer: OFF, ollama: OFF, lmstudio: { mode: 'spawn', path: doubleBin('lms'), contextLength: 8192 }, vllm: OFF }, NO_LIMITS_LONG_TTL),
    });
  });
  afterEach(async () => {
    await t?.engine.stop();
    delete process.env.HOMEPORT_DOUBLE_LMS_HOME;
    delete process.env.HOMEPORT_DOUBLE_MODELS;
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    delete process.env.HOMEPORT_DOUBLE_CRASH_AFTER;
    killLmStudioServer(home);
  });

  it('detects the installed `lms` and its version, and owns the server it started', async () => {
    const info = await runtimesInfo(t);
    expect(detectionOf(info, 'lmstudio')).toMatchObject({ installed: true, binaryPath: doubleBin('lms'), version: DOUBLE_VERSIONS.lms, available: true });
    expect(await owner()).toEqual({ kind: 'lmstudio', runtime: 'lmstudio', attached: false, state: 'ready' });
    expect(starts(record, 'lms').filter((e) => isVersionQuery(e.argv)).map((e) => e.argv)).toEqual([['version', '--json']]);
  });

  it('runs `lms server start` and `lms load` with exactly the right arguments on the first request', async () => {
    expect(await modelState(t, 'lmstudio/qwen2.5-0.5b-instruct')).toBe('available');
    const reply = await chat(t, 'lmstudio/qwen2.5-0.5b-instruct'); // the server crashes right after this answer (crash 1)
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the lmstudio double\. Model qwen2.5-0.5b-instruct read/);
    // Detection asks `lms server status --json` where LM Studio's server is; that is a query, not a launch.
    const lms = launches(record, 'lms')
      .map((e) => e.argv)
      .filter((argv) => !(argv[0] === 'server' && argv[1] === 'status'));
    const port = lms[0]?.[3];
    expect(lms).toEqual([
      ['server', 'start', '--port', port, '--bind', '127.0.0.1'],
      ['load', 'qwen2.5-0.5b-instruct', '--identifier', 'qwen2.5-0.5b-instruct', '-c', '8192', '-y'],
    ]);
    expect(Number(port)).toBeGreaterThan(0);
    for (const entry of launches(record, 'lms')) expect(runtimeEnv(entry.env)).toEqual({});
    expect(starts(record, 'lmstudio-server').map((e) => e.argv)).toEqual([['--port', port, '--bind', '127.0.0.1']]);
  });

  it('crash → restart after backoff → failed: the gateway answers 503 with the reason and the engine stays up', async () => {
    // Crash 1 comes right after the first answer and is seen by the liveness checks; the model goes with the server,
    // which is started again.
    expect((await chat(t, 'lmstudio/qwen2.5-0.5b-instruct')).choices[0]?.message.content).toMatch(/^Hello from the lmstudio double/);
    await waitForModelState(t, 'lmstudio/qwen2.5-0.5b-instruct', 'available', 30_000);
    expect(await waitFor(async () => (await owner())?.state === 'ready', 30_000, 200)).toBe(true);
    expect(starts(record, 'lmstudio-server')).toHaveLength(2);
    expect((await chat(t, 'lmstudio/qwen2.5-0.5b-instruct')).choices[0]?.message.content).toMatch(/^Hello from the lmstudio double/);
    // Crash 2: the supervisor gives up.
    expect(await waitFor(async () => (await owner())?.state === 'failed', 30_000, 200)).toBe(true);
    expect(crashes(record)).toBe(2);
    await expectFailedAnswer(t, 'lmstudio/qwen2.5-0.5b-instruct');
  });

  it('stopping the engine leaves no LM Studio server behind', async () => {
    const pids = starts(record, 'lmstudio-server').map((e) => e.pid);
    expect(pids.length).toBeGreaterThan(0);
    await t.engine.stop();
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
  });
});

// =================================================================== vLLM

const VLLM_MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';

describe('vLLM without a CUDA GPU: configured models are unavailable, with the reason', () => {
  let t: TestEngine;
  let record: string;

  beforeAll(async () => {
    const dir = await tempDir('vllm');
    record = join(dir, 'vllm.jsonl');
    process.env.HOMEPORT_DOUBLE_RECORD = record;
    t = await startTestEngine({
      modelPaths: [],
      cuda: false,
      config: configFor({
        // One llama-server model (never started) so the engine has something to serve.
        llamaServer: { mode: 'spawn', path: doubleBin('llama-server') },
        llamaServerModels: [{ path: testModel('stories260K.gguf'), id: 'tiny' }],
        ollama: OFF,
        lmstudio: OFF,
        vllm: { mode: 'spawn', path: doubleBin('vllm'), models: [{ model: VLLM_MODEL, id: 'alpha' }] },
      }),
    });
  });
  afterAll(async () => {
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    await t?.engine.stop();
  });

  it('lists vLLM as unavailable because there is no CUDA GPU, and never starts it', async () => {
    const info = await runtimesInfo(t);
    expect(detectionOf(info, 'vllm')).toMatchObject({ installed: true, binaryPath: doubleBin('vllm'), version: DOUBLE_VERSIONS.vllm, available: false, reason: VLLM_NEEDS_GPU });
    expect(info.unavailable).toEqual([{ runtime: 'vllm', reason: VLLM_NEEDS_GPU }]);
    expect((await t.client.models.list()).data.map((m) => m.id)).toEqual(['llama-server/tiny']);
    const res = await fetch(`${t.engine.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'vllm/alpha', messages: [{ role: 'user', content: 'Hi' }] }) });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    expect(launches(record, 'vllm')).toEqual([]);
  });
});

describe('vLLM with a CUDA GPU: configured models spawned on demand, next to one already running (attached)', () => {
  let foreign: RunningDouble;
  let foreignUrl: string;
  let record: string;
  let foreignRecord: string;
  /** Record entries before the current test. */
  let from = 0;
  const shared = sharedEngine({
    record: () => record,
    unloadable: ['vllm/alpha', 'vllm/beta'],
    start: () =>
      startTestEngine({
        modelPaths: [],
        cuda: true,
        config: configFor({
          llamaServer: OFF,
          ollama: OFF,
          lmstudio: OFF,
          vllm: {
            mode: 'auto',
            path: doubleBin('vllm'),
            url: foreignUrl,
            models: [
              { model: VLLM_MODEL, id: 'alpha', maxModelLen: 4096, gpuMemoryUtilization: 0.45, maxNumSeqs: 4 },
              { model: VLLM_MODEL, id: 'beta' },
              { model: VLLM_MODEL, id: 'crashy' },
            ],
          },
        }),
      }),
  });

  beforeAll(async () => {
    const dir = await tempDir('vllm');
    record = join(dir, 'spawned.jsonl');
    foreignRecord = join(dir, 'foreign.jsonl');
    const port = await freePort();
    foreignUrl = `http://127.0.0.1:${port}`;
    foreign = spawnDouble('vllm', ['serve', VLLM_MODEL, '--host', '127.0.0.1', '--port', String(port), '--served-model-name', 'foreign'], { env: { HOMEPORT_DOUBLE_RECORD: foreignRecord } });
    await waitForHttp(`${foreignUrl}/health`, { deadlineMs: 30_000 });
    process.env.HOMEPORT_DOUBLE_RECORD = record;
  });
  beforeEach(async () => {
    await shared.prepare();
    from = recordMark(record);
  });
  afterAll(async () => {
    delete process.env.HOMEPORT_DOUBLE_RECORD;
    await shared.close();
    await killAllDoubles();
  });

  it('detects the binary (version parsed) and the server already running at the configured URL', async () => {
    const info = await runtimesInfo(shared.t);
    expect(detectionOf(info, 'vllm')).toMatchObject({ installed: true, binaryPath: doubleBin('vllm'), version: DOUBLE_VERSIONS.vllm, running: true, url: foreignUrl, available: true });
    expect(info.unavailable).toEqual([]);
    expect(info.owners.map((o) => [o.runtime, o.attached])).toEqual(
      expect.arrayContaining([
        [`vllm@127.0.0.1:${new URL(foreignUrl).port}`, true],
        ['vllm/alpha', false],
        ['vllm/beta', false],
        ['vllm/crashy', false],
      ]),
    );
    expect(starts(record, 'vllm', shared.engineFrom).filter((e) => isVersionQuery(e.argv)).map((e) => e.argv)).toEqual([['--version']]);
  });

  it('starts `vllm serve` on the first gateway request, with exactly the configured command line', async () => {
    const t = shared.t;
    expect(await modelState(t, 'vllm/alpha')).toBe('available');
    const reply = await chat(t, 'vllm/alpha');
    expect(reply.choices[0]?.message.content).toMatch(/^Hello from the vllm double\. Model alpha read/);
    const [launch, ...more] = launches(record, 'vllm', from);
    expect(more).toEqual([]);
    const port = handleOf(t, 'vllm/alpha').snapshot().port;
    expect(launch!.argv).toEqual([
      'serve', VLLM_MODEL, '--host', '127.0.0.1', '--port', String(port), '--allowed-origins', '[]',
      '--max-model-len', '4096', '--gpu-memory-utilization', '0.45', '--served-model-name', 'alpha', '--max-num-seqs', '4',
      '--middleware', 'homeport_vllm_guard.require_key',
    ]);
    const env = runtimeEnv(launch!.env);
    expect(Object.keys(env)).toEqual(['VLLM_API_KEY']);
    const forwarded = requests(record, from).filter((r) => r.path === '/v1/chat/completions');
    expect(forwarded.map((r) => [r.headers.authorization, (r.body as { model: string }).model])).toEqual([[`Bearer ${env.VLLM_API_KEY}`, 'alpha']]);
  });

  it('stops it after the idle TTL and records `unload-idle`', async () => {
    const t = shared.t;
    await chat(t, 'vllm/alpha');
    const pid = handleOf(t, 'vllm/alpha').snapshot().pid!;
    await waitForModelState(t, 'vllm/alpha', 'available');
    expect(isAlive(pid)).toBe(false);
    await expectIdleUnloadDecision(t, 'vllm/alpha');
  });

  it('starts one process for ten concurrent cold requests', async () => {
    expect(await coldBurst(shared.t, 'vllm/beta')).toBe(1);
    expect(launches(record, 'vllm', from).filter((e) => e.argv.includes('beta'))).toHaveLength(1);
  });

  it('evicts the least recently used model under a count limit of one', async () => {
    const t = shared.t;
    await chat(t, 'vllm/beta');
    await withCountLimitOfOne(t, async () => {
      const betaPid = handleOf(t, 'vllm/beta').snapshot().pid!;
      await chat(t, 'vllm/alpha');
      expect(await modelState(t, 'vllm/beta')).toBe('available');
      expect(isAlive(betaPid)).toBe(false);
      await expectEviction(t, 'vllm/beta', 'vllm/alpha', /limit of 1 loaded model/);
    });
  });

  // As for llama-server above: an attached vLLM's model is never idle-unloaded or evicted.
  it('never idle-unloads or evicts the model of the attached server (Homeport cannot unload it)', async () => {
    const t = shared.t;
    expect((await chat(t, 'vllm/foreign')).choices[0]?.message.content).toMatch(/Model foreign/);
    await withCountLimitOfOne(t, async () => {
      await chat(t, 'vllm/alpha'); // one loaded model of Homeport's own, at the limit
      await outlastIdleTtl();
    });
    await expectNeverUnloaded(t, 'vllm/foreign');
  });

  it('answers management paths with 404 and never forwards them', async () => {
    await expectManagementPathsBlocked(
      shared.t,
      [
        ['POST', '/invocations'],
        ['POST', '/start_profile'],
        ['POST', '/sleep'],
        ['POST', '/wake_up'],
        ['POST', '/v1/load_lora_adapter'],
        ['POST', '/tokenize'],
        ['GET', '/metrics'],
        ['POST', '/v1/../invocations'],
      ],
      [record, foreignRecord],
    );
  });

  it('crash → restart after backoff → failed: the gateway answers 503 with the reason and the engine stays up', async () => {
    const t = shared.t;
    await crashUntilFailed(t, 'vllm/crashy');
    const crashyPids = new Set(launches(record, 'vllm', from).filter((e) => e.argv.includes('crashy')).map((e) => e.pid));
    expect(crashyPids.size).toBe(2);
    expect(readRecord(record).filter((e) => e.kind === 'crash' && crashyPids.has(e.pid))).toHaveLength(2);
    expect((await chat(t, 'vllm/alpha')).choices[0]?.message.content).toMatch(/Model alpha/);
    await shared.stop(); // crashy stays failed in this engine: the next test gets a new one
  });

  it('stopping the engine stops what it spawned and leaves the attached server running', async () => {
    const t = shared.t;
    expect((await chat(t, 'vllm/alpha')).choices[0]?.message.content).toMatch(/Model alpha/);
    expect((await chat(t, 'vllm/foreign')).choices[0]?.message.content).toMatch(/Model foreign/);
    await shared.stop();
    const spawned = launches(record, 'vllm', from);
    expect(spawned.length).toBeGreaterThan(0);
    expect(spawned.filter((e) => isAlive(e.pid))).toEqual([]);
    expect(isAlive(foreign.pid)).toBe(true);
    expect((await fetch(`${foreignUrl}/health`)).status).toBe(200);
    expect(readRecord(foreignRecord).filter((e) => e.kind === 'signal')).toEqual([]);
  });
});
