/**
 * This machine as the library sees it: the probe's cached snapshot, the
 * memory bandwidth worked out once per snapshot, and one shared live monitor
 * created on first use (it polls only while someone listens).
 *
 * A probe failure becomes a 503 the client can act on; a bandwidth failure
 * is not an error, just a missing figure with the reason beside it.
 */
import { GatewayError } from '../../gateway/errors.js';
import { memoryBudget, type FitPolicy } from '../../hardware/fit.js';
import { createLiveMonitor, gpuPollingUseful, type LiveMonitor, type LiveSample } from '../../hardware/live.js';
import type { HardwareProbe } from '../../hardware/probe.js';
import type { HardwareSnapshot, MemoryBandwidth } from '../../hardware/types.js';
import type { HardwareView } from './view-types.js';

export interface HardwareAccessOptions {
  readonly probe: HardwareProbe;
  /** The bandwidth, measuring it when nothing else knows it (a copy test of a few seconds): only on an explicit refresh. */
  readonly resolveBandwidth: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  /**
   * The bandwidth without measuring anything (vendor table, a measurement kept on disk); rejects with
   * BandwidthNotMeasuredError when only a measurement would tell. What every read (GET) uses.
   */
  readonly knownBandwidth: (hardware: HardwareSnapshot) => Promise<MemoryBandwidth>;
  /** A ready monitor (tests); otherwise one is created on the first subscription. */
  readonly live?: LiveMonitor;
  readonly policy: FitPolicy;
  readonly log: (line: string) => void;
}

/** Thrown by a `knownBandwidth` that would have to run the copy test to answer. */
export class BandwidthNotMeasuredError extends Error {
  override readonly name = 'BandwidthNotMeasuredError';
  constructor() {
    super('not measured yet: POST /homeport/v1/hardware/refresh measures it once for this machine (a copy test of a few seconds)');
  }
}

export interface BandwidthOrReason {
  readonly bandwidth: MemoryBandwidth | null;
  readonly error: string | null;
}

export class HardwareAccess {
  private readonly bandwidthBySnapshot = new WeakMap<HardwareSnapshot, Promise<MemoryBandwidth>>();
  private readonly knownBySnapshot = new WeakMap<HardwareSnapshot, Promise<MemoryBandwidth>>();
  private live: Promise<LiveMonitor> | undefined;

  constructor(private readonly options: HardwareAccessOptions) {
    if (options.live) this.live = Promise.resolve(options.live);
  }

  /** The probe's cached snapshot. */
  async snapshot(): Promise<HardwareSnapshot> {
    try {
      return await this.options.probe.snapshot();
    } catch (error) {
      throw probeFailed(error);
    }
  }

  /** Probe again (a driver installed, an eGPU plugged in). */
  async refresh(): Promise<HardwareSnapshot> {
    try {
      return await this.options.probe.refresh();
    } catch (error) {
      throw probeFailed(error);
    }
  }

  async view(snapshot: HardwareSnapshot): Promise<HardwareView> {
    const { bandwidth, error } = await this.bandwidthOrNull(snapshot);
    return { ...snapshot, bandwidth, bandwidthError: error, budget: memoryBudget(snapshot, this.options.policy) };
  }

  /** Resolve the snapshot's memory bandwidth, running the copy test if nothing else knows it (explicit refreshes only). */
  async measureBandwidth(snapshot: HardwareSnapshot): Promise<BandwidthOrReason> {
    try {
      return { bandwidth: await this.bandwidthOf(snapshot), error: null };
    } catch (error) {
      return { bandwidth: null, error: `Memory bandwidth unknown: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * The snapshot's memory bandwidth, or null and why, without starting a
   * measurement: what an earlier measurement found, else what is known
   * without one (vendor table, a measurement kept on disk).
   */
  async bandwidthOrNull(snapshot: HardwareSnapshot): Promise<BandwidthOrReason> {
    try {
      return { bandwidth: await (this.bandwidthBySnapshot.get(snapshot) ?? this.knownOf(snapshot)), error: null };
    } catch (error) {
      return { bandwidth: null, error: `Memory bandwidth unknown: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /** Live samples; the shared monitor polls while at least one listener is subscribed. Returns unsubscribe. */
  async subscribeLive(listener: (sample: LiveSample) => void): Promise<() => void> {
    this.live ??= this.snapshot().then(
      (snapshot) =>
        createLiveMonitor({
          pollGpus: gpuPollingUseful(snapshot),
          onError: (error) => this.options.log(`live hardware poll failed: ${error instanceof Error ? error.message : String(error)}`),
        }),
      (error: unknown) => {
        this.live = undefined;
        throw error;
      },
    );
    return (await this.live).subscribe(listener);
  }

  /** One lookup per snapshot; one that found nothing is forgotten, so a measurement kept on disk meanwhile is seen. */
  private knownOf(snapshot: HardwareSnapshot): Promise<MemoryBandwidth> {
    let pending = this.knownBySnapshot.get(snapshot);
    if (!pending) {
      pending = this.options.knownBandwidth(snapshot);
      this.knownBySnapshot.set(snapshot, pending);
      pending.catch(() => this.knownBySnapshot.delete(snapshot));
    }
    return pending;
  }

  /** One bandwidth resolution per snapshot; a failed one is forgotten so the next call tries again. */
  private bandwidthOf(snapshot: HardwareSnapshot): Promise<MemoryBandwidth> {
    let pending = this.bandwidthBySnapshot.get(snapshot);
    if (!pending) {
      pending = this.options.resolveBandwidth(snapshot);
      this.bandwidthBySnapshot.set(snapshot, pending);
      pending.catch(() => this.bandwidthBySnapshot.delete(snapshot));
    }
    return pending;
  }
}

function probeFailed(error: unknown): GatewayError {
  return new GatewayError({
    status: 503,
    code: 'hardware_probe_failed',
    message: `Could not read this machine's hardware: ${error instanceof Error ? error.message : String(error)}. Try POST /homeport/v1/hardware/refresh; if it keeps failing, check Homeport's logs.`,
  });
}
