/**
 * The external runtimes behind Homeport's endpoint, as per-model entries the
 * engine can route to.
 *
 *   buildFleet({ config, detection, gpu, allocatePort, ... })
 *     → entries      one per model: `llama-server/<id>`, `ollama/<name>`,
 *                    `lmstudio/<key>`, `vllm/<served name>`, each with its
 *                    own RuntimeHandle and the name the runtime expects
 *     → owners       servers to stop when the engine exits; attached ones are
 *                    flagged (their stop() only lets go, never kills)
 *     → unavailable  runtimes (or configured models) that cannot be served, with the reason
 *
 * Ollama and LM Studio are brought up while building (attached, or started by
 * Homeport) because their models are listed by the running daemon;
 * llama-server and vLLM processes start on demand, on the first request.
 * refresh() lists the daemons' models again; stop() unloads what Homeport
 * loaded into attached daemons, then stops every owner.
 */
import type { RuntimesConfig } from '../../../config/runtimes-schema.js';
import { runCommandWithTimeout } from '../detect.js';
import type { DetectRuntimesOptions } from '../detect.js';
import { buildDaemonPart, daemonEntries } from './daemons.js';
import type { DaemonPart } from './daemons.js';
import { buildLlamaServerPart, buildVllmPart } from './servers.js';
import type { ServerPart } from './servers.js';
import type { BuildFleetOptions, FleetContext, FleetEntry, FleetOwner, FleetTiming, UnavailableRuntime } from './types.js';

export type { BuildFleetOptions, FleetEntry, FleetOwner, FleetSupervisorSettings, FleetTiming, UnavailableRuntime } from './types.js';

export const DEFAULT_FLEET_TIMING: FleetTiming = {
  healthIntervalMs: 250,
  attachedWatchIntervalMs: 5_000,
  daemonWatchIntervalMs: 10_000,
  detachedLivenessIntervalMs: 2_000,
  daemonStartMs: 60_000,
  daemon: {},
};

/** Context per slot and slots for llama-server models when neither the model nor the defaults say. */
const DEFAULT_CTX = 4096;
const DEFAULT_PARALLEL = 1;

export interface FleetRefresh {
  readonly entries: readonly FleetEntry[];
  /** Ids that were not there before. */
  readonly added: readonly string[];
  /** Ids that are gone (the daemon no longer has the model). */
  readonly removed: readonly string[];
  /** Daemons whose models could not be listed this time. */
  readonly problems: readonly UnavailableRuntime[];
}

export class RuntimeFleet {
  readonly owners: readonly FleetOwner[];

  private readonly servers: ServerPart;
  private readonly daemons: readonly DaemonPart[];
  private current: readonly FleetEntry[] = [];
  private duplicates: readonly UnavailableRuntime[] = [];
  private stopping: Promise<void> | null = null;

  constructor(parts: { servers: ServerPart; daemons: readonly DaemonPart[] }) {
    this.servers = parts.servers;
    this.daemons = parts.daemons;
    this.rebuild();
    // A model left out for a duplicate id never runs: its supervisor is no owner.
    const used = new Set(this.current.map((e) => e.runtime));
    const servers = parts.servers.owners.filter((o) => o.attached || used.has(o.runtime));
    this.owners = [...servers, ...parts.daemons.flatMap((d) => (d.owner !== null ? [d.owner] : []))];
  }

  /** The entries as of the last build or refresh. */
  get entries(): readonly FleetEntry[] {
    return this.current;
  }

  /** Runtimes and configured models that cannot be served, with the reason. */
  get unavailable(): readonly UnavailableRuntime[] {
    return [...this.servers.unavailable, ...this.daemons.flatMap((d) => d.unavailable), ...this.duplicates];
  }

  /** List the daemons' models again (pulled or deleted models, loaded state, context). */
  async refresh(): Promise<FleetRefresh> {
    const before = new Set(this.current.map((e) => e.id));
    const problems: UnavailableRuntime[] = [];
    await Promise.all(
      this.daemons.map(async (part) => {
        if (part.models === null) return;
        try {
          await part.models.refresh();
        } catch (error) {
          problems.push({ runtime: part.kind, reason: `its models could not be listed: ${error instanceof Error ? error.message : String(error)}` });
        }
      }),
    );
    this.rebuild();
    const after = new Set(this.current.map((e) => e.id));
    return {
      entries: this.current,
      added: [...after].filter((id) => !before.has(id)),
      removed: [...before].filter((id) => !after.has(id)),
      problems,
    };
  }

  /** Unload what Homeport loaded into attached daemons, then stop every owner (attached ones are only let go). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(
        this.daemons.map(async (part) => {
          if (part.models !== null && part.owner?.attached === true) await part.models.unloadOwn().catch(() => undefined);
        }),
      );
      await Promise.all(this.owners.map((owner) => owner.runtime.stop().catch(() => undefined)));
      for (const part of this.daemons) part.models?.dispose();
    })();
    return this.stopping;
  }

  /** Entries from every part; a second model with an id already taken is left out (and said so). */
  private rebuild(): void {
    const taken = new Map<string, FleetEntry>();
    const duplicates: UnavailableRuntime[] = [];
    for (const entry of [...this.servers.entries, ...this.daemons.flatMap(daemonEntries)]) {
      const holder = taken.get(entry.id);
      if (holder === undefined) {
        taken.set(entry.id, entry);
        continue;
      }
      if (holder.runtime !== entry.runtime) {
        duplicates.push({ runtime: entry.ownedBy, model: entry.upstreamModel, reason: `the id "${entry.id}" is already used by another model; give it its own id` });
      }
    }
    this.current = [...taken.values()];
    this.duplicates = duplicates;
  }
}

/** The binary paths and URLs detectRuntimes must probe for this config (so detection and fleet agree). */
export function detectionOptionsFor(config: RuntimesConfig): Pick<DetectRuntimesOptions, 'paths' | 'urls'> {
  const defined = <T extends Record<string, string | undefined>>(values: T): T =>
    Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as T;
  return {
    paths: defined({ llamaServer: config.llamaServer.path, ollama: config.ollama.path, lms: config.lmstudio.path, vllm: config.vllm.path }),
    urls: defined({ llamaServer: config.llamaServer.url, ollama: config.ollama.url, lmstudio: config.lmstudio.url, vllm: config.vllm.url }),
  };
}

export async function buildFleet(options: BuildFleetOptions): Promise<RuntimeFleet> {
  const timing: FleetTiming = { ...DEFAULT_FLEET_TIMING, ...options.timing };
  const context: FleetContext = {
    config: options.config,
    detection: options.detection,
    gpu: options.gpu,
    allocatePort: options.allocatePort,
    defaults: {
      ctx: options.defaults?.ctx ?? DEFAULT_CTX,
      parallel: options.defaults?.parallel ?? DEFAULT_PARALLEL,
      ...(options.defaults?.threads !== undefined ? { threads: options.defaults.threads } : {}),
    },
    supervisor: {
      startDeadlineMs: 120_000,
      ...options.supervisor,
      healthIntervalMs: options.supervisor?.healthIntervalMs ?? timing.healthIntervalMs,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    },
    timing,
    env: options.env ?? process.env,
    runCommand: options.runCommand ?? runCommandWithTimeout,
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  };
  const [llamaServer, vllm, ollama, lmstudio] = await Promise.all([
    buildLlamaServerPart(context),
    buildVllmPart(context),
    buildDaemonPart('ollama', context),
    buildDaemonPart('lmstudio', context),
  ]);
  const servers: ServerPart = {
    entries: [...llamaServer.entries, ...vllm.entries],
    owners: [...llamaServer.owners, ...vllm.owners],
    unavailable: [...llamaServer.unavailable, ...vllm.unavailable],
  };
  return new RuntimeFleet({ servers, daemons: [ollama, lmstudio] });
}
