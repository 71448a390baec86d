/**
 * Probes models through the gateway and keeps the reports. One probe per
 * model at a time: a second ask while one runs gets the same promise.
 */
import { performance } from 'node:perf_hooks';
import { runBattery, type ChatSender } from './battery.js';
import { summarize, type ProbeStore } from './probe-store.js';
import type { ModelFeatures, ProbeReport } from './types.js';

/** What the probe needs to know of a model. */
export interface ProbeTarget {
  readonly id: string;
  /** Runtime kind, e.g. `embedded`. */
  readonly runtime: string;
  readonly runtimeVersion: string;
  readonly contextLength: number | null;
}

export interface ProbeServiceOptions {
  readonly store: ProbeStore;
  /** The model (by id or alias), or undefined when there is none. */
  readonly target: (model: string) => ProbeTarget | undefined;
  /** How the battery reaches the gateway; `apiKey` is the app key the caller gave, if any. */
  readonly sender: (apiKey: string | undefined) => ChatSender;
  readonly now?: () => number;
}

export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
}

export class ProbeService {
  private readonly running = new Map<string, Promise<ProbeReport>>();

  constructor(private readonly options: ProbeServiceOptions) {}

  probe(model: string, options: { apiKey?: string } = {}): Promise<ProbeReport> {
    const target = this.options.target(model);
    if (target === undefined) return Promise.reject(new UnknownModelError(`No model named "${model}". GET /homeport/v1/models lists them.`));
    const running = this.running.get(target.id);
    if (running) return running;
    const now = this.options.now ?? Date.now;
    const started = performance.now();
    const work = (async () => {
      const features = await runBattery({ send: this.options.sender(options.apiKey), model: target.id, contextLength: target.contextLength });
      const report: ProbeReport = { model: target.id, runtime: target.runtime, runtimeVersion: target.runtimeVersion, at: now(), durationMs: Math.round(performance.now() - started), features };
      await this.options.store.put(report);
      return report;
    })().finally(() => this.running.delete(target.id));
    this.running.set(target.id, work);
    return work;
  }

  /** The newest report for the runtime version serving the model now (older versions' reports do not count). */
  current(model: string): ProbeReport | undefined {
    const target = this.options.target(model);
    return target && this.options.store.latest(target.id, target.runtimeVersion);
  }

  /** The model's id when `model` names one (id or alias), else `model` as given. */
  idOf(model: string): string {
    return this.options.target(model)?.id ?? model;
  }

  /** The model list's `features` field; null when not probed on this runtime version. */
  features(model: string): ModelFeatures | null {
    const report = this.current(model);
    return report ? summarize(report) : null;
  }
}
