/**
 * When runtimes and their models were found and lost, as the control API
 * shows them (ISO 8601 strings, like every other time in it): each detected
 * runtime with `detectedAt` / `goneSince`, and the models that went away.
 */
import type { RuntimeDetection } from '../detect.js';
import type { RuntimeFleet } from './fleet.js';

export interface DetectedRuntimeView extends RuntimeDetection {
  /** When a server of this runtime was first found answering in this run; null if never. */
  readonly detectedAt: string | null;
  /** When a server that had answered was found gone; null while it answers or if it never did. */
  readonly goneSince: string | null;
}

export interface GoneModelView {
  readonly id: string;
  /** The runtime kind that offered it. */
  readonly runtime: string;
  readonly upstreamModel: string;
  /** When it was first found offered; null for a model of a server Homeport started. */
  readonly detectedAt: string | null;
  readonly goneSince: string;
}

export function isoTime(ms: number): string;
export function isoTime(ms: number | null | undefined): string | null;
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

export function describeDetectedRuntimes(fleet: Pick<RuntimeFleet, 'detected'>): DetectedRuntimeView[] {
  return fleet.detected.map((runtime) => ({ ...runtime, detectedAt: isoTime(runtime.detectedAt), goneSince: isoTime(runtime.goneSince) }));
}

export function describeGoneModels(fleet: Pick<RuntimeFleet, 'goneModels'>): GoneModelView[] {
  return fleet.goneModels.map((model) => ({
    id: model.id,
    runtime: model.runtime,
    upstreamModel: model.upstreamModel,
    detectedAt: isoTime(model.detectedAt),
    goneSince: isoTime(model.since),
  }));
}
