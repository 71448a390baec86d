/**
 * Shapes shared by fleet.ts and its parts (fleet-daemons.ts, fleet-servers.ts).
 */
import type { RuntimesConfig } from '../../../config/runtimes-schema.js';
import type { ExternalRuntimeKind } from '../adapters/common.js';
import type { RunCommand, RuntimeDetections } from '../detect.js';
import type { Clock } from '../../process/health.js';
import type { OwnerSupervisorSettings } from '../daemon/owner.js';
import type { DaemonTiming } from '../daemon/model-runtime.js';
import type { RuntimeHandle } from '../../types.js';
import type { AttachedKeys } from '../attached-keys.js';

/** One model behind Homeport's endpoint, served by an external runtime. */
export interface FleetEntry {
  /** Unique across runtimes: `<runtime>/<name>`, e.g. `ollama/llama3.2:latest`. */
  readonly id: string;
  /** The name the runtime expects as `model`. */
  readonly upstreamModel: string;
  readonly ownedBy: ExternalRuntimeKind;
  /** The model's own handle (a Supervisor, a DaemonModelRuntime or an AttachedRuntime). */
  readonly runtime: RuntimeHandle;
  /** Context each request gets, as far as known (what the UI shows). */
  readonly contextLength?: number;
  /** Weights on disk. */
  readonly sizeBytes?: number;
  /** Memory the loaded model takes, when the runtime reports it (Ollama /api/ps). */
  readonly estimatedBytes?: number;
  /**
   * stop() really unloads the model and frees its memory. False for a
   * llama-server or vLLM Homeport attached to: its stop() only lets go.
   */
  readonly canUnload: boolean;
  /** Other names clients may use (e.g. the long path-based id of an attached llama-server's model). */
  readonly aliases?: readonly string[];
  /** When a running server was found offering it (ms since the epoch); absent for what Homeport starts itself. */
  readonly detectedAt?: number;
}

/** A server process (or attached server) the engine must stop on exit, or must never kill. */
export interface FleetOwner {
  readonly kind: ExternalRuntimeKind;
  readonly runtime: RuntimeHandle;
  /** Homeport did not start it: stop() only lets go, never kills. */
  readonly attached: boolean;
}

export interface UnavailableRuntime {
  readonly runtime: ExternalRuntimeKind;
  /** The configured model this is about, when it is about one model. */
  readonly model?: string;
  readonly reason: string;
}

export interface FleetTiming {
  /** Health poll while a spawned runtime starts. Default 250 ms. */
  readonly healthIntervalMs: number;
  /** Attached servers: health poll while ready. Default 5 s. */
  readonly attachedWatchIntervalMs: number;
  /** Daemons: loaded-list poll while ready. Default 10 s. */
  readonly daemonWatchIntervalMs: number;
  /** LM Studio launched by Homeport: health poll while ready. Default 2 s. */
  readonly detachedLivenessIntervalMs: number;
  /** How long building the fleet waits for a daemon Homeport starts. Default 60 s. */
  readonly daemonStartMs: number;
  readonly daemon: Partial<DaemonTiming>;
}

/** Supervisor settings for what Homeport starts (from the main config's `supervisor` section). */
export type FleetSupervisorSettings = Partial<Omit<OwnerSupervisorSettings, 'healthIntervalMs'>> & { readonly healthIntervalMs?: number };

export interface BuildFleetOptions {
  readonly config: RuntimesConfig;
  /** The result of detectRuntimes (run with the same paths and URLs as `config`). */
  readonly detection: RuntimeDetections;
  readonly gpu: { readonly cuda: boolean };
  /** A free loopback port; called for every launch. */
  readonly allocatePort: () => Promise<number>;
  /** Defaults for llama-server models (the main config's `defaults`). */
  readonly defaults?: { readonly ctx?: number; readonly parallel?: number; readonly threads?: number };
  readonly supervisor?: FleetSupervisorSettings;
  readonly timing?: Partial<FleetTiming>;
  /** Environment for CLI commands (`lms load`/`unload`). Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly runCommand?: RunCommand;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Runs detection again (same paths and URLs); refresh() then attaches what appeared and lets go of what is gone. */
  readonly redetect?: () => Promise<RuntimeDetections>;
  /** Keys of attached servers started with one (attached-keys.ts). */
  readonly attachedKeys?: AttachedKeys;
  /**
   * A version that came after its detection answered (version-probe.ts's
   * peek): `detected` shows it without waiting for the next detection.
   */
  readonly lateVersion?: (binaryPath: string) => { readonly version: string | null; readonly reason: string } | null;
}

/** What the parts get from buildFleet, with defaults applied. */
export interface FleetContext {
  readonly config: RuntimesConfig;
  readonly detection: RuntimeDetections;
  readonly gpu: { readonly cuda: boolean };
  readonly allocatePort: () => Promise<number>;
  readonly defaults: { readonly ctx: number; readonly parallel: number; readonly threads?: number };
  readonly supervisor: OwnerSupervisorSettings;
  readonly timing: FleetTiming;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly runCommand: RunCommand;
  readonly attachedKeys: AttachedKeys;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
}
