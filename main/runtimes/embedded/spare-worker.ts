/**
 * The spare embedded worker: one worker process kept ready up to the point
 * where a model is needed (Node started, node-llama-cpp imported, getLlama
 * done: ~1 s of a ~1.3 s cold start), so that the next embedded model start
 * adopts it instead of spawning cold.
 *
 * The supervisor still owns every model worker. This pool only plugs into
 * its two injection points:
 * - `plan()` (the supervisor's plan callback): when decideSpareUse allows,
 *   the plan names the spare's port and per-launch key, and the spare is
 *   reserved for it; otherwise a cold plan on a fresh port;
 * - `spawn` (the supervisor's spawn function): for a reserved spare it sends
 *   POST /spare/adopt (guarded like any worker request: key, exact Host,
 *   JSON) with the plan's model flags and hands the spare's process to the
 *   supervisor, which then polls its health, watches it and stops it like any
 *   other; for anything else it spawns cold. A failed adoption kills the spare
 *   and spawns cold. The runtime's log says which happened and why.
 *
 * The spare is spawned like every worker (spawnRuntimeProcess: own process
 * group, parent-death signal, tracked for the engine's exit) and watches its
 * parent itself. It holds no model: it never counts as loaded. `replenish()`
 * prepares a new one (the engine calls it once the models loaded at start are
 * up and whenever an embedded model becomes ready); one that dies on its own
 * is not replaced until then, so a spare that cannot start does not loop.
 */
import { embeddedLaunchPlan, resolveWorkerEntry, type EmbeddedLaunchOptions } from './launch-plan.js';
import { newWorkerKey, WORKER_KEY_ENV } from './request-guard.js';
import { ADOPT_PATH, SPARE_FLAG } from './spare-args.js';
import { decideSpareUse, type SpareDecision } from './spare-policy.js';
import { spawnRuntimeProcess, type ProcessExit, type RuntimeProcess, type SpawnRequest, type SpawnRuntime } from '../process/spawn.js';
import type { LaunchPlan } from '../types.js';

/** An unclaimed reservation (the start was cancelled before it spawned) is released after this long. */
const RESERVATION_MS = 10_000;
/** How long the spare may take to accept its model. */
const ADOPT_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 2_000;

export interface SpareWorkerPoolOptions {
  /** false: every start is cold (lifecycle.spareWorker). */
  readonly enabled: boolean;
  readonly allocatePort: () => Promise<number>;
  /** Engine notes (never the key). */
  readonly log?: (line: string) => void;
  readonly spawn?: SpawnRuntime;
  /** The Node binary (default: the current one). */
  readonly execPath?: string;
  /** Where the worker entry is resolved from (default: launch-plan.ts's location). */
  readonly adapterUrl?: string;
}

/** What the pool knows of its spare (tests, diagnostics). */
export interface SpareInfo {
  readonly pid: number;
  readonly port: number;
  readonly threads: number;
  readonly reserved: boolean;
}

interface Spare {
  readonly process: RuntimeProcess;
  readonly port: number;
  readonly key: string;
  readonly threads: number;
  readonly spawnedAt: number;
  reservedAt: number | null;
  exit: ProcessExit | null;
  adopted: boolean;
}

export class SpareWorkerPool {
  readonly #options: SpareWorkerPoolOptions;
  readonly #spawn: SpawnRuntime;
  #spare: Spare | null = null;
  #preparing: Promise<void> | null = null;
  #lastLoss: string | null = null;
  /** The threads the next spare is prepared with: the latest embedded launch's. */
  #threads: number | null = null;
  /** Why each cold plan (by its key) is cold, told in its runtime's log when it spawns. */
  readonly #coldReasons = new Map<string, string>();
  #stopped = false;

  constructor(options: SpareWorkerPoolOptions) {
    this.#options = options;
    this.#spawn = options.spawn ?? spawnRuntimeProcess;
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /** The live spare, if any. */
  current(): SpareInfo | null {
    const spare = this.#spare;
    if (spare === null || spare.exit !== null) return null;
    return { pid: spare.process.pid, port: spare.port, threads: spare.threads, reserved: spare.reservedAt !== null };
  }

  /** The supervisor's plan callback: a plan on the spare when it may be adopted, else a cold one. */
  async plan(options: Omit<EmbeddedLaunchOptions, 'port' | 'key'> & { readonly threads: number }): Promise<LaunchPlan> {
    this.#threads = options.threads;
    const decision = this.decide(options.threads);
    const spare = this.#spare;
    if (decision.action === 'adopt' && spare !== null) {
      spare.reservedAt = Date.now();
      return embeddedLaunchPlan({ ...this.#launchBase(), ...options, port: spare.port, key: spare.key });
    }
    const plan = embeddedLaunchPlan({ ...this.#launchBase(), ...options, port: await this.#options.allocatePort() });
    const key = plan.env?.[WORKER_KEY_ENV];
    if (key !== undefined && this.#options.enabled) this.#coldReasons.set(key, decision.reason);
    return plan;
  }

  /** What a start with `threads` would do now. */
  decide(threads: number): SpareDecision {
    const spare = this.#spare;
    if (spare !== null && spare.reservedAt !== null && Date.now() - spare.reservedAt > RESERVATION_MS) spare.reservedAt = null;
    return decideSpareUse({
      enabled: this.#options.enabled && !this.#stopped,
      spare:
        spare === null
          ? null
          : { pid: spare.process.pid, threads: spare.threads, reserved: spare.reservedAt !== null, exited: spare.exit === null ? null : `exited (${describeExit(spare.exit)})` },
      wanted: { threads },
      lastLoss: this.#lastLoss,
    });
  }

  /** The supervisor's spawn function: adopts the spare a plan was made on, else spawns cold. */
  readonly spawn: SpawnRuntime = async (request) => {
    const key = request.env?.[WORKER_KEY_ENV];
    const spare = this.#spare;
    if (spare !== null && key !== undefined && spare.key === key && spare.reservedAt !== null) {
      this.#spare = null;
      spare.adopted = true;
      const refusal = spare.exit !== null ? `it exited (${describeExit(spare.exit)})` : await this.#adopt(spare, request);
      if (refusal === null) {
        const idleMs = Date.now() - spare.spawnedAt;
        return withNotes(spare.process, [`adopted the spare worker ${spare.process.pid} (spawned ${idleMs} ms ago; node-llama-cpp already loaded): no cold start`]);
      }
      await killGroup(spare.process);
      this.#lastLoss = `the spare worker ${spare.process.pid} did not take the model: ${refusal}`;
      const child = await this.#spawn(request);
      return withNotes(child, [`${this.#lastLoss}; spawned cold`]);
    }
    const reason = key !== undefined ? this.#coldReasons.get(key) : undefined;
    if (key !== undefined) this.#coldReasons.delete(key);
    const child = await this.#spawn(request);
    return reason !== undefined ? withNotes(child, [`${reason}; spawned cold`]) : child;
  };

  /**
   * Prepare a spare unless one fit for the latest launch options is alive (or on its way).
   * `threads` sets those options when no embedded model has launched yet.
   */
  replenish(threads?: number): Promise<void> {
    if (!this.#options.enabled || this.#stopped) return Promise.resolve();
    if (this.#threads === null && threads !== undefined) this.#threads = threads;
    const wanted = this.#threads;
    if (wanted === null) return Promise.resolve();
    if (this.#preparing !== null) return this.#preparing;
    const spare = this.#spare;
    if (spare !== null && spare.exit === null && spare.threads === wanted) return Promise.resolve();
    this.#preparing = (async () => {
      if (spare !== null && spare.exit === null && spare.reservedAt === null) {
        this.#spare = null;
        await killGroup(spare.process);
      }
      await this.#prepare(wanted);
    })()
      .catch((error: unknown) => {
        this.#lastLoss = `the spare worker could not be spawned: ${error instanceof Error ? error.message : String(error)}`;
        this.#options.log?.(this.#lastLoss);
      })
      .finally(() => {
        this.#preparing = null;
      });
    return this.#preparing;
  }

  /**
   * Resolves true once a spare answers that node-llama-cpp is loaded; false when the pool is off or
   * stopped, or nothing is prepared within `timeoutMs` (a spare not yet spawned is waited for).
   */
  async whenPrepared(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.#options.enabled || this.#stopped) return false;
      await this.#preparing;
      const spare = this.#spare;
      if (spare === null || spare.exit !== null) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const body = await fetch(`http://127.0.0.1:${spare.port}/health`, {
        headers: { authorization: `Bearer ${spare.key}` },
        signal: AbortSignal.timeout(1_000),
      })
        .then((res) => res.json() as Promise<{ status?: string; prepared?: boolean }>)
        .catch(() => null);
      if (body?.status === 'spare' && body.prepared === true) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /** Kill the spare (engine stop); no new one is prepared after this. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#preparing;
    const spare = this.#spare;
    this.#spare = null;
    if (spare !== null && !spare.adopted) await killGroup(spare.process);
  }

  #launchBase(): Pick<EmbeddedLaunchOptions, 'execPath' | 'adapterUrl'> {
    return {
      ...(this.#options.execPath !== undefined ? { execPath: this.#options.execPath } : {}),
      ...(this.#options.adapterUrl !== undefined ? { adapterUrl: this.#options.adapterUrl } : {}),
    };
  }

  async #prepare(threads: number): Promise<void> {
    const port = await this.#options.allocatePort();
    const key = newWorkerKey();
    const entry = resolveWorkerEntry(this.#options.adapterUrl);
    const process_ = await this.#spawn({
      command: this.#options.execPath ?? process.execPath,
      args: [...entry.nodeArgs, entry.file, SPARE_FLAG, '--port', String(port), '--host', '127.0.0.1', '--threads', String(threads)],
      env: { ELECTRON_RUN_AS_NODE: '1', [WORKER_KEY_ENV]: key },
      startsNoChildren: true,
    });
    const spare: Spare = { process: process_, port, key, threads, spawnedAt: Date.now(), reservedAt: null, exit: null, adopted: false };
    if (this.#stopped) {
      await killGroup(process_);
      return;
    }
    this.#spare = spare;
    this.#options.log?.(`spare embedded worker ${process_.pid} preparing (${threads} threads)`);
    void process_.exited.then((exit) => {
      spare.exit = exit;
      if (spare.adopted) return;
      if (this.#spare === spare) this.#spare = null;
      if (!this.#stopped) {
        this.#lastLoss = `the spare worker ${process_.pid} exited (${describeExit(exit)}) before a model needed it`;
        this.#options.log?.(this.#lastLoss);
      }
    });
  }

  /** POST the model flags to the spare; null when it took them, else why not. */
  async #adopt(spare: Spare, request: SpawnRequest): Promise<string | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${spare.port}${ADOPT_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${spare.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ args: modelFlags(request.args) }),
        signal: AbortSignal.timeout(ADOPT_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status === 202) return null;
      return `it answered ${res.status}: ${text.slice(0, 300)}`;
    } catch (error) {
      return `the adoption request failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

/** The worker command line's model flags: from --model on, without --port and --host (the spare's own). */
export function modelFlags(args: readonly string[]): string[] {
  const start = args.indexOf('--model');
  const flags = start < 0 ? [] : args.slice(start);
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === '--port' || flags[i] === '--host') {
      i += 1;
      continue;
    }
    kept.push(flags[i]!);
  }
  return kept;
}

function withNotes(child: RuntimeProcess, notes: readonly string[]): RuntimeProcess {
  return { ...child, notes: [...child.notes, ...notes], signalGroup: (signal) => child.signalGroup(signal) };
}

function describeExit(exit: ProcessExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? 'unknown'}`;
}

/** SIGTERM the group, SIGKILL after a grace time; resolves once it is gone. */
async function killGroup(child: RuntimeProcess): Promise<void> {
  if (!child.signalGroup('SIGTERM')) {
    await child.exited;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.signalGroup('SIGKILL');
      resolve();
    }, STOP_GRACE_MS);
  });
  await Promise.race([child.exited, killed]);
  clearTimeout(timer);
  await child.exited;
}
