/**
 * Which external runtimes this machine has: for llama-server, Ollama, LM
 * Studio and vLLM, whether the binary is installed (configured path or
 * PATH), its version (from its version command, bounded in time and killed
 * on timeout), and whether a server of that runtime already answers on its
 * default port or a configured URL, recognised by its fingerprint:
 *
 *   llama-server  GET /health {"status":"ok"} (or 503 "Loading model") and
 *                 GET /v1/models owned_by "llamacpp", or (started with
 *                 --api-key, newer builds) its 401 authentication_error
 *   Ollama        GET / "Ollama is running" (+ /api/version)
 *   LM Studio     GET /lmstudio-greeting {"lmstudio":true}; when nothing answers
 *                 on the probed port (and no URL is configured), `lms server
 *                 status --json` says where its one server runs
 *   vLLM          GET /v1/models owned_by "vllm", or (when /v1 needs a key)
 *                 GET /version {"version"} + GET /health 200 with an empty body
 *
 * Every probe runs in parallel with an AbortSignal.timeout, so a port that
 * accepts connections and never answers costs at most `timeoutMs`. Each
 * field comes with a human-readable reason. Servers are probed afresh on
 * every call; versions come from version-probe.ts, which runs each binary's
 * version command once (cached), waits for it no longer than `timeoutMs`, and
 * lets a slow one finish in the background for the next call.
 */
import { spawn } from 'node:child_process';
import { resolveCommand } from '../process/spawn.js';
import type { ExternalRuntimeKind, ExternalRuntimeAdapter } from './adapters/common.js';
import { sharedVersionProbe, type VersionProbe, type VersionResult } from './version-probe.js';
import { llamaServerAdapter } from './adapters/llama-server.js';
import { buildLmStudioStatusCommand, lmStudioAdapter, parseLmStudioStatus } from './adapters/lmstudio.js';
import { ollamaAdapter } from './adapters/ollama.js';
import { vllmAdapter } from './adapters/vllm.js';

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit code; null when killed. */
  readonly code: number | null;
  readonly timedOut: boolean;
}

/** Run a command with a deadline; injectable for tests. */
export type RunCommand = (command: string, args: readonly string[], options: { env: Readonly<Record<string, string | undefined>>; timeoutMs: number }) => Promise<CommandOutput>;

export interface DetectRuntimesOptions {
  /** Configured binary paths; when given, PATH is not searched for that runtime. */
  readonly paths?: { readonly llamaServer?: string; readonly ollama?: string; readonly lms?: string; readonly vllm?: string };
  /** Configured server URLs; default http://127.0.0.1:<default port>. */
  readonly urls?: { readonly llamaServer?: string; readonly ollama?: string; readonly lmstudio?: string; readonly vllm?: string };
  /** Environment: PATH is searched, and version commands run with it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Bound for each probe, and for how long detection waits for a version command. */
  readonly timeoutMs: number;
  /** Runs and caches version commands (default: one probe for the whole process). */
  readonly versions?: VersionProbe;
  /** Whether a CUDA-capable NVIDIA GPU was detected. vLLM is unavailable without one. */
  readonly gpu?: { readonly cuda: boolean };
  readonly fetch?: typeof fetch;
  readonly runCommand?: RunCommand;
}

export interface RuntimeDetection {
  readonly kind: ExternalRuntimeKind;
  readonly installed: boolean;
  readonly binaryPath: string | null;
  readonly installedReason: string;
  readonly version: string | null;
  readonly versionReason: string;
  readonly running: boolean;
  /** The URL that was probed. */
  readonly url: string;
  readonly runningReason: string;
  /** Homeport can use it (start it, or attach to the running one). */
  readonly available: boolean;
  readonly reason: string;
}

export type RuntimeDetections = Readonly<Record<ExternalRuntimeKind, RuntimeDetection>>;

export const VLLM_NEEDS_GPU = 'vLLM needs a CUDA-capable NVIDIA GPU; none was detected';
const OUTPUT_LIMIT = 64 * 1024;

// ---------------------------------------------------------------- commands

export const runCommandWithTimeout: RunCommand = (command, args, { env, timeoutMs }) =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(command, [...args], { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const finish = (code: number | null, timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    };
    const timer = setTimeout(() => {
      try {
        // The whole group: a shim or wrapper script must not outlive the probe.
        process.kill(process.platform === 'win32' ? child.pid! : -child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      finish(null, true);
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(0, OUTPUT_LIMIT)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(0, OUTPUT_LIMIT)));
    child.on('error', (error) => {
      stderr += error.message;
      finish(null, false);
    });
    child.on('close', (code) => finish(code, false));
  });

// ---------------------------------------------------------------- probes

type Probe = { ok: true; status: number; body: string } | { ok: false; reason: string };

async function probe(fetchImpl: typeof fetch, url: string, timeoutMs: number): Promise<Probe> {
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { ok: true, status: response.status, body: await response.text() };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { ok: false, reason: `no answer from ${url} within ${timeoutMs} ms` };
    const code = err.cause?.code;
    if (code === 'ECONNREFUSED') return { ok: false, reason: `nothing listens at ${url} (connection refused)` };
    return { ok: false, reason: `cannot reach ${url}: ${code ?? err.message}` };
  }
}

function json(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function ownedBy(body: string): string | null {
  const data = (json(body) as { data?: Array<{ owned_by?: unknown }> } | undefined)?.data;
  const owner = Array.isArray(data) ? data[0]?.owned_by : undefined;
  return typeof owner === 'string' ? owner : null;
}

interface Fingerprint {
  readonly running: boolean;
  readonly reason: string;
  /** A version the server itself reported, when it has an endpoint for that. */
  readonly serverVersion?: string;
}

type Identify = (base: string, get: (path: string) => Promise<Probe>) => Promise<Fingerprint>;

function notThis(name: string, base: string, what: string): Fingerprint {
  return { running: false, reason: `something answers at ${base} but it is not ${name} (${what})` };
}

const identifyLlamaServer: Identify = async (base, get) => {
  const [health, models] = await Promise.all([get('/health'), get('/v1/models')]);
  if (!health.ok) return { running: false, reason: health.reason };
  const error = (json(health.body) as { error?: { message?: unknown; type?: unknown } } | undefined)?.error;
  if (health.status === 503 && error?.message === 'Loading model' && error.type === 'unavailable_error') {
    return { running: true, reason: `llama-server at ${base} is loading its model` };
  }
  if (health.status !== 200 || (json(health.body) as { status?: unknown } | undefined)?.status !== 'ok') return notThis('llama-server', base, `GET /health answered ${health.status}`);
  // Builds since late 2025 keep only /health public once started with --api-key; older ones also /v1/models.
  const locked = models.ok && models.status === 401 && (json(models.body) as { error?: { type?: unknown } } | undefined)?.error?.type === 'authentication_error';
  if (locked) return { running: true, reason: `llama-server answers at ${base} (its /v1 needs an API key: runtimes.llamaServer.apiKeySecret or apiKeyEnv)` };
  if (!models.ok || models.status !== 200) return notThis('llama-server', base, 'GET /v1/models did not answer 200');
  const owner = ownedBy(models.body);
  if (owner !== 'llamacpp') return notThis('llama-server', base, `/v1/models is owned by ${owner ?? 'nobody'}`);
  return { running: true, reason: `llama-server answers at ${base}` };
};

const identifyOllama: Identify = async (base, get) => {
  const [root, version] = await Promise.all([get('/'), get('/api/version')]);
  if (!root.ok) return { running: false, reason: root.reason };
  if (root.status !== 200 || !root.body.includes('Ollama is running')) return notThis('Ollama', base, `GET / answered ${root.status} without "Ollama is running"`);
  const reported = version.ok ? (json(version.body) as { version?: unknown } | undefined)?.version : undefined;
  return { running: true, reason: `Ollama answers at ${base}`, ...(typeof reported === 'string' ? { serverVersion: reported } : {}) };
};

const identifyLmStudio: Identify = async (base, get) => {
  const greeting = await get('/lmstudio-greeting');
  if (!greeting.ok) return { running: false, reason: greeting.reason };
  const verdict = lmStudioAdapter.health.judge(greeting);
  return verdict.healthy ? { running: true, reason: `LM Studio answers at ${base}` } : notThis('LM Studio', base, verdict.reason);
};

const identifyVllm: Identify = async (base, get) => {
  const [version, models, health] = await Promise.all([get('/version'), get('/v1/models'), get('/health')]);
  if (!version.ok && !models.ok) return { running: false, reason: version.reason };
  const reported = version.ok && version.status === 200 ? (json(version.body) as { version?: unknown } | undefined)?.version : undefined;
  const serverVersion = typeof reported === 'string' ? { serverVersion: reported } : {};
  if (models.ok && models.status === 200 && ownedBy(models.body) === 'vllm') return { running: true, reason: `vLLM answers at ${base}`, ...serverVersion };
  const locked = models.ok && models.status === 401 && (json(models.body) as { error?: unknown } | undefined)?.error === 'Unauthorized';
  if (locked && typeof reported === 'string' && health.ok && health.status === 200 && health.body === '') {
    return { running: true, reason: `vLLM answers at ${base} (its /v1 needs an API key)`, ...serverVersion };
  }
  return notThis('vLLM', base, 'neither /v1/models owned by vllm nor the /version + /health pair');
};

// ---------------------------------------------------------------- per runtime

interface RuntimeSpec {
  readonly adapter: ExternalRuntimeAdapter<never>;
  readonly configuredPath: string | undefined;
  readonly configuredUrl: string | undefined;
  readonly identify: Identify;
  /** Extra environment for the version command (Ollama's `-v` asks the server at OLLAMA_HOST). */
  readonly versionEnv: Readonly<Record<string, string>>;
}

function findBinary(spec: RuntimeSpec, env: DetectRuntimesOptions['env']): { path: string | null; reason: string } {
  const name = spec.adapter.binaryName;
  try {
    const found = resolveCommand(spec.configuredPath ?? name, { envPath: env.PATH ?? '' });
    return { path: found, reason: spec.configuredPath !== undefined ? `${name} found at the configured path ${found}` : `${name} found on PATH at ${found}` };
  } catch (error) {
    return { path: null, reason: (error as Error).message };
  }
}

function availability(spec: RuntimeSpec, found: { path: string | null }, running: Fingerprint, url: string, gpu: DetectRuntimesOptions['gpu']): { available: boolean; reason: string } {
  const name = spec.adapter.displayName;
  if (spec.adapter.kind === 'vllm' && gpu?.cuda !== true) return { available: false, reason: VLLM_NEEDS_GPU };
  if (running.running) return { available: true, reason: `a running ${name} answers at ${url}` };
  if (found.path !== null) return { available: true, reason: `${name} can be started from ${found.path}` };
  return { available: false, reason: `${name} is neither installed nor running` };
}

async function detectOne(spec: RuntimeSpec, options: DetectRuntimesOptions): Promise<RuntimeDetection> {
  const { adapter } = spec;
  const url = (spec.configuredUrl ?? `http://127.0.0.1:${adapter.defaultPort}`).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const get = (path: string) => probe(fetchImpl, `${url}${path}`, options.timeoutMs);
  const found = findBinary(spec, options.env);
  const versionTask: Promise<VersionResult> =
    found.path === null
      ? Promise.resolve({ version: null, reason: `not installed: ${found.reason}` })
      : (options.versions ?? sharedVersionProbe).read({
          binary: found.path,
          display: [adapter.binaryName, ...adapter.version.args].join(' '),
          command: adapter.version,
          env: { ...options.env, ...spec.versionEnv },
          run: options.runCommand ?? runCommandWithTimeout,
          waitMs: options.timeoutMs,
        });
  const [versionResult, found0] = await Promise.all([versionTask, spec.identify(url, get)]);
  let fingerprint = found0;
  let servedUrl = url;
  // LM Studio has one server, on whatever port it last used: ask `lms` where it runs before calling it absent.
  if (adapter.kind === 'lmstudio' && !fingerprint.running && spec.configuredUrl === undefined && found.path !== null) {
    const elsewhere = await findLmStudioServer(found.path, fingerprint, options);
    fingerprint = elsewhere.fingerprint;
    servedUrl = elsewhere.url ?? url;
  }
  let { version, reason: versionReason } = versionResult;
  if (version === null && fingerprint.serverVersion !== undefined) {
    version = fingerprint.serverVersion;
    versionReason = `reported by the running server at ${url} (${versionReason})`;
  }
  const { available, reason } = availability(spec, found, fingerprint, servedUrl, options.gpu);
  return {
    kind: adapter.kind,
    installed: found.path !== null,
    binaryPath: found.path,
    installedReason: found.reason,
    version,
    versionReason,
    running: fingerprint.running,
    url: servedUrl,
    runningReason: fingerprint.reason,
    available,
    reason,
  };
}

/**
 * `lms server status --json` ({"running":bool,"port":N}): a running LM Studio
 * server on another port than the probed one, confirmed by its greeting.
 * Bounded like every other probe; on any doubt the first fingerprint stands.
 */
async function findLmStudioServer(lmsPath: string, first: Fingerprint, options: DetectRuntimesOptions): Promise<{ fingerprint: Fingerprint; url: string | null }> {
  const status = buildLmStudioStatusCommand(lmsPath);
  const run = options.runCommand ?? runCommandWithTimeout;
  const output = await run(status.command, status.args, { env: options.env, timeoutMs: options.timeoutMs });
  if (output.timedOut || output.code !== 0) return { fingerprint: first, url: null };
  const parsed = parseLmStudioStatus(output.stdout);
  if (!parsed.ok || !parsed.value.running || parsed.value.port === null) return { fingerprint: first, url: null };
  const url = `http://127.0.0.1:${parsed.value.port}`;
  const fetchImpl = options.fetch ?? fetch;
  const found = await identifyLmStudio(url, (path) => probe(fetchImpl, `${url}${path}`, options.timeoutMs));
  if (!found.running) return { fingerprint: first, url: null };
  return { fingerprint: { ...found, reason: `LM Studio's server answers at ${url} (port from \`lms server status\`)` }, url };
}

function hostPortOf(url: string | undefined): Record<string, string> {
  if (url === undefined) return {};
  try {
    return { OLLAMA_HOST: new URL(url).host };
  } catch {
    return {};
  }
}

export async function detectRuntimes(options: DetectRuntimesOptions): Promise<RuntimeDetections> {
  const specs: RuntimeSpec[] = [
    { adapter: llamaServerAdapter, configuredPath: options.paths?.llamaServer, configuredUrl: options.urls?.llamaServer, identify: identifyLlamaServer, versionEnv: {} },
    { adapter: ollamaAdapter, configuredPath: options.paths?.ollama, configuredUrl: options.urls?.ollama, identify: identifyOllama, versionEnv: hostPortOf(options.urls?.ollama) },
    { adapter: lmStudioAdapter, configuredPath: options.paths?.lms, configuredUrl: options.urls?.lmstudio, identify: identifyLmStudio, versionEnv: {} },
    { adapter: vllmAdapter, configuredPath: options.paths?.vllm, configuredUrl: options.urls?.vllm, identify: identifyVllm, versionEnv: {} },
  ];
  const results = await Promise.all(specs.map((spec) => detectOne(spec, options)));
  return Object.fromEntries(results.map((r) => [r.kind, r])) as unknown as RuntimeDetections;
}
