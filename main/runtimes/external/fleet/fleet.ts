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
 * refresh() runs detection again (when buildFleet got `redetect`), so a
 * server started or stopped since is attached or let go and its models come
 * or go (gone ones are listed as unavailable, "gone"), then lists the
 * daemons' models again; stop() unloads what Homeport loaded into attached
 * daemons, then stops every owner.
 *
 * Times (ms since the epoch) for the panel's "detected 2 min ago / gone since":
 * `detected` gives each runtime's latest detection with `detectedAt` (when
 * its server was first found answering, in this run) and `goneSince` (when
 * a server that had answered was found gone); `entries` carry `detectedAt`
 * for models of servers Homeport found, and `goneModels` the models that went
 * away, with both times.
 */
import type { RuntimesConfig } from '../../../config/runtimes-schema.js';
import { runCommandWithTimeout } from '../detect.js';
import type { DetectRuntimesOptions } from '../detect.js';
import { buildDaemonPart, daemonEntries } from './daemons.js';
import type { DaemonPart } from './daemons.js';
import { buildAttachedServerPart, buildLlamaServerPart, buildVllmPart } from './servers.js';
import type { AttachedServerPart, ServerKind, ServerPart } from './servers.js';
import type { RuntimeDetection, RuntimeDetections } from '../detect.js';
import type { ExternalRuntimeKind } from '../adapters/common.js';
import { systemClock } from '../../process/health.js';
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

/** A model that was offered by a running server and is no longer. */
export interface GoneModel {
  readonly id: string;
  readonly runtime: UnavailableRuntime['runtime'];
  readonly upstreamModel: string;
  /** When it was first found offered (ms since the epoch); null for a model of a server Homeport started. */
  readonly detectedAt: number | null;
  /** When re-detection found it gone (ms since the epoch). */
  readonly since: number;
}

/** A runtime's latest detection, with when its server was found and, once it stopped answering, since when it is gone. */
export interface DetectedRuntime extends RuntimeDetection {
  /** When a server of this runtime was first found answering in this run (ms since the epoch); null if never. */
  readonly detectedAt: number | null;
  /** When a server that had answered was found gone (ms since the epoch); null while it answers or if it never did. */
  readonly goneSince: number | null;
}

const SERVER_KINDS: readonly ServerKind[] = ['llama-server', 'vllm'];

export class RuntimeFleet {
  /** Spawned llama-server / vLLM models, per kind. */
  private readonly spawned: Readonly<Record<ServerKind, ServerPart>>;
  /** Attached llama-server / vLLM servers, per kind (replaced by re-detection). */
  private readonly attached = new Map<ServerKind, AttachedServerPart>();
  private readonly daemons: DaemonPart[];
  private readonly context: FleetContext | null;
  private readonly detect: (() => Promise<RuntimeDetections>) | null;
  private current: readonly FleetEntry[] = [];
  private duplicates: readonly UnavailableRuntime[] = [];
  /** When each entry of a server Homeport found (attached) was first seen. */
  private readonly firstSeen = new Map<string, number>();
  private readonly gone = new Map<string, GoneModel>();
  /** The latest detection, and when each runtime's server was found and lost. */
  private latest: RuntimeDetections | null = null;
  private readonly serverTimes = new Map<ExternalRuntimeKind, { detectedAt: number | null; goneSince: number | null }>();
  /** Servers attached during re-detection: let go at stop(). */
  private readonly letGo: FleetOwner[] = [];
  private readonly spawnedOwners: readonly FleetOwner[];
  private readonly lateVersion: NonNullable<BuildFleetOptions['lateVersion']> | null;
  private refreshing: Promise<FleetRefresh> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(parts: {
    spawned: Readonly<Record<ServerKind, ServerPart>>;
    attached: ReadonlyArray<readonly [ServerKind, AttachedServerPart]>;
    daemons: readonly DaemonPart[];
    /** The context the parts were built with (re-detection builds new parts with it). */
    context?: FleetContext;
    /** A fresh detection run; without it, refresh() only lists the daemons' models again. */
    detect?: () => Promise<RuntimeDetections>;
    lateVersion?: BuildFleetOptions['lateVersion'];
  }) {
    this.spawned = parts.spawned;
    for (const [kind, part] of parts.attached) this.attached.set(kind, part);
    this.daemons = [...parts.daemons];
    this.context = parts.context ?? null;
    this.detect = parts.detect ?? null;
    this.lateVersion = parts.lateVersion ?? null;
    if (this.context !== null) this.recordDetection(this.context.detection);
    this.rebuild();
    // A model left out for a duplicate id never runs: its supervisor is no owner.
    const used = new Set(this.current.map((e) => e.runtime));
    this.spawnedOwners = SERVER_KINDS.flatMap((kind) => this.spawned[kind].owners.filter((o) => used.has(o.runtime)));
  }

  /** Servers to stop on exit (attached ones are only let go). */
  get owners(): readonly FleetOwner[] {
    const attached = SERVER_KINDS.flatMap((kind) => this.attached.get(kind)?.owners ?? []);
    return [...attached, ...this.spawnedOwners, ...this.daemons.flatMap((d) => (d.owner !== null ? [d.owner] : [])), ...this.letGo];
  }

  /** The entries as of the last build or refresh. */
  get entries(): readonly FleetEntry[] {
    return this.current;
  }

  /** Runtimes and configured models that cannot be served (and models that went away), with the reason. */
  get unavailable(): readonly UnavailableRuntime[] {
    const gone = [...this.gone.values()].map((g): UnavailableRuntime => ({
      runtime: g.runtime,
      model: g.upstreamModel,
      reason: `gone: "${g.id}" is no longer offered (since ${new Date(g.since).toISOString()}); it comes back when its server does`,
    }));
    return [
      ...(this.context?.attachedKeys.missing ?? []),
      ...SERVER_KINDS.flatMap((kind) => [...(this.attached.get(kind)?.unavailable ?? []), ...this.spawned[kind].unavailable]),
      ...this.daemons.flatMap((d) => d.unavailable),
      ...this.duplicates,
      ...gone,
    ];
  }

  /** Models that were offered by a running server and are no longer. */
  get goneModels(): readonly GoneModel[] {
    return [...this.gone.values()];
  }

  /** Each runtime's latest detection (from the last build or refresh), with its server's detectedAt / goneSince. */
  get detected(): readonly DetectedRuntime[] {
    if (this.latest === null) return [];
    return Object.values(this.latest).map((detection) => ({
      ...this.withLateVersion(detection),
      detectedAt: this.serverTimes.get(detection.kind)?.detectedAt ?? null,
      goneSince: this.serverTimes.get(detection.kind)?.goneSince ?? null,
    }));
  }

  /** The detection with a version its binary gave after the detection answered. */
  private withLateVersion(detection: RuntimeDetection): RuntimeDetection {
    if (detection.version !== null || detection.binaryPath === null || this.lateVersion === null) return detection;
    const late = this.lateVersion(detection.binaryPath);
    if (late === null || late.version === null) return detection;
    return { ...detection, version: late.version, versionReason: late.reason };
  }

  /** Keep a detection as the latest; note servers that appeared (detectedAt) or went away (goneSince). */
  private recordDetection(detection: RuntimeDetections): void {
    const now = this.now();
    this.latest = detection;
    for (const found of Object.values(detection)) {
      const times = this.serverTimes.get(found.kind) ?? { detectedAt: null, goneSince: null };
      if (found.running && (times.detectedAt === null || times.goneSince !== null)) this.serverTimes.set(found.kind, { detectedAt: now, goneSince: null });
      else if (!found.running && times.detectedAt !== null && times.goneSince === null) this.serverTimes.set(found.kind, { ...times, goneSince: now });
    }
  }

  private now(): number {
    return (this.context?.clock ?? systemClock).now();
  }

  /**
   * Look again: re-run detection (a server started or stopped since is
   * attached or let go), then list the daemons' models again (pulled or
   * deleted models, loaded state, context). Concurrent calls share one pass.
   */
  refresh(): Promise<FleetRefresh> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<FleetRefresh> {
    const before = new Map(this.current.map((e) => [e.id, e]));
    const problems: UnavailableRuntime[] = [];
    if (this.detect !== null && this.context !== null && this.stopping === null) {
      try {
        const detection = await this.detect();
        this.recordDetection(detection);
        await this.redetect({ ...this.context, detection });
      } catch (error) {
        problems.push({ runtime: 'llama-server', reason: `re-detection failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
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
    const now = this.now();
    for (const id of after) this.gone.delete(id);
    for (const [id, entry] of before) {
      if (after.has(id)) continue;
      this.gone.set(id, { id, runtime: entry.ownedBy, upstreamModel: entry.upstreamModel, detectedAt: entry.detectedAt ?? null, since: now });
      // Back later: a new sighting.
      this.firstSeen.delete(id);
    }
    return {
      entries: this.current,
      added: [...after].filter((id) => !before.has(id)),
      removed: [...before.keys()].filter((id) => !after.has(id)),
      problems,
    };
  }

  /** Attach servers that appeared, let go of those that went away, bring up daemons found running now. */
  private async redetect(context: FleetContext): Promise<void> {
    await Promise.all(
      SERVER_KINDS.map(async (kind) => {
        const detection = context.detection[kind];
        const known = this.attached.get(kind);
        if (known !== undefined && detection.running && detection.url === known.url && known.entries.length > 0) return;
        if (known !== undefined) {
          this.attached.delete(kind);
          await Promise.all(known.owners.map((o) => o.runtime.stop().catch(() => undefined)));
        }
        const part = await buildAttachedServerPart(kind, context);
        if (part !== null) this.attached.set(kind, part);
      }),
    );
    await Promise.all(
      this.daemons.map(async (part, index) => {
        // A daemon that could not be used before and answers now (started by the user since).
        if (part.models !== null || !context.detection[part.kind].running) return;
        const rebuilt = await buildDaemonPart(part.kind, context);
        if (rebuilt.models === null) return;
        if (part.owner !== null) await part.owner.runtime.stop().catch(() => undefined);
        this.daemons[index] = rebuilt;
      }),
    );
  }

  /** Unload what Homeport loaded into attached daemons, then stop every owner (attached ones are only let go). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.refreshing?.catch(() => undefined);
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
    const now = this.now();
    const servers = SERVER_KINDS.flatMap((kind) => [...(this.attached.get(kind)?.entries ?? []), ...this.spawned[kind].entries]);
    const daemons = this.daemons.flatMap((part) => {
      const entries = daemonEntries(part);
      if (part.owner?.attached !== true) return entries;
      return entries.map((entry) => {
        const seen = this.firstSeen.get(entry.id) ?? now;
        this.firstSeen.set(entry.id, seen);
        return { ...entry, detectedAt: seen };
      });
    });
    for (const entry of [...servers, ...daemons]) {
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
    attachedKeys: options.attachedKeys ?? { keys: {}, missing: [] },
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  };
  const [llamaServer, vllm, llamaAttached, vllmAttached, ollama, lmstudio] = await Promise.all([
    buildLlamaServerPart(context),
    buildVllmPart(context),
    buildAttachedServerPart('llama-server', context),
    buildAttachedServerPart('vllm', context),
    buildDaemonPart('ollama', context),
    buildDaemonPart('lmstudio', context),
  ]);
  const attached: Array<readonly [ServerKind, AttachedServerPart]> = [];
  if (llamaAttached !== null) attached.push(['llama-server', llamaAttached]);
  if (vllmAttached !== null) attached.push(['vllm', vllmAttached]);
  return new RuntimeFleet({
    spawned: { 'llama-server': llamaServer, vllm },
    attached,
    daemons: [ollama, lmstudio],
    context,
    ...(options.redetect !== undefined ? { detect: options.redetect } : {}),
    ...(options.lateVersion !== undefined ? { lateVersion: options.lateVersion } : {}),
  });
}
