/**
 * The feature probe, assembled for the engine: a store in the state folder,
 * a service that sends the battery through the gateway's own /v1, and the
 * control routes. See types.ts for what a report holds.
 */
import { join } from 'node:path';
import type { Router } from 'express';
import type { ModelEntry } from '../runtimes/model-directory.js';
import { createProbeRouter } from '../control/probe-routes.js';
import { gatewaySender } from './gateway-sender.js';
import { ProbeService } from './probe-service.js';
import { ProbeStore } from './probe-store.js';

export interface EngineProbesOptions {
  /** The state folder; reports go to `feature-probes.json` there. */
  readonly stateDir: string;
  /** The gateway's /v1, e.g. `http://127.0.0.1:11435/v1`. */
  readonly baseUrl: string;
  readonly resolve: (model: string) => ModelEntry | undefined;
  /** The context length the model is served with; null when unknown. */
  readonly contextLength: (id: string) => number | null;
  /** What is behind a runtime kind, e.g. `embedded (homeport 0.4.0)`, `ollama 0.5.7`. */
  readonly runtimeVersion: (kind: string) => string;
}

export interface EngineProbes {
  readonly service: ProbeService;
  readonly store: ProbeStore;
  /** POST/GET /models/:id/probe, for /homeport/v1. */
  readonly router: Router;
}

export function createEngineProbes(options: EngineProbesOptions): EngineProbes {
  const store = ProbeStore.open(join(options.stateDir, 'feature-probes.json'));
  const service = new ProbeService({
    store,
    target: (model) => {
      const entry = options.resolve(model);
      return entry && { id: entry.id, runtime: entry.runtime.kind, runtimeVersion: options.runtimeVersion(entry.runtime.kind), contextLength: options.contextLength(entry.id) };
    },
    sender: (apiKey) => gatewaySender({ baseUrl: options.baseUrl, ...(apiKey !== undefined ? { apiKey } : {}) }),
  });
  return { service, store, router: createProbeRouter({ probes: service, store }) };
}

/** A runtime kind with its detected version: embedded runtimes are Homeport's own build. */
export function describeRuntimeVersion(kind: string, homeportVersion: string, detected: (kind: string) => string | null | undefined): string {
  if (kind === 'embedded') return `embedded (homeport ${homeportVersion})`;
  return `${kind} ${detected(kind) ?? 'version unknown'}`;
}

export { requiredFeatures, featureVerdict, firstUnhonoured } from './required-features.js';
export type { FeatureResult, FeatureVerdict, ModelFeatures, ProbeFeature, ProbeReport } from './types.js';
