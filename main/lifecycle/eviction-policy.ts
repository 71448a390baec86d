/**
 * Admission: may a model be loaded now, and which idle models must go to
 * make room? A pure function of the models that occupy memory, the limits
 * and the time; the pool applies the decision, the UI shows its `reason`.
 *
 * Rules:
 * - Models starting, ready or still stopping occupy a slot and their memory.
 * - Only idle models (no request in flight or waiting for them, not already
 *   stopping) may be evicted, least recently used first, and no more than
 *   both limits need: after picking LRU-first, any pick that turns out not to
 *   be needed is kept loaded (the most recently used ones are kept first).
 * - When busy models block the room, the candidate waits; when the candidate
 *   alone exceeds the memory budget it is refused (waiting would not help).
 */
import type { RuntimeState } from '../runtimes/types.js';
import { formatBytes, formatSpan, listOf, plural } from './describe.js';

export interface PoolLimits {
  /** 0 = unlimited. */
  readonly maxLoadedModels: number;
  /** 0 = unlimited. */
  readonly memoryBudgetBytes: number;
}

export interface AdmissionCandidate {
  readonly id: string;
  readonly estimatedBytes: number;
}

/** A model as admission sees it. Models stopped or failed may be listed; they are ignored. */
export interface ResidentModel {
  readonly id: string;
  readonly estimatedBytes: number;
  /** Requests being served (holds). */
  readonly inFlight: number;
  /** Requests waiting for it to become ready; they count as busy too. */
  readonly waiting?: number;
  /** Unix ms of its last use (request start or end). */
  readonly lastUsedAt: number;
  readonly state: RuntimeState;
}

export interface AdmissionInput {
  readonly candidate: AdmissionCandidate;
  readonly loaded: readonly ResidentModel[];
  readonly limits: PoolLimits;
  readonly now: number;
}

export interface Eviction {
  readonly id: string;
  readonly reason: string;
}

export type AdmissionDecision =
  | {
      readonly action: 'load';
      /** Models to stop before the candidate starts, least recently used first. */
      readonly evict: readonly string[];
      /** The same models, each with why it was chosen. */
      readonly evictions: readonly Eviction[];
      readonly reason: string;
    }
  | {
      readonly action: 'wait';
      /** The busy models standing in the way. */
      readonly blockedBy: readonly string[];
      readonly reason: string;
    }
  | { readonly action: 'refuse'; readonly reason: string };

/** States in which a model holds a slot and its memory. */
const OCCUPYING: ReadonlySet<RuntimeState> = new Set(['starting', 'ready', 'stopping']);

function busyCount(model: ResidentModel): number {
  return model.inFlight + (model.waiting ?? 0);
}

function isEvictable(model: ResidentModel): boolean {
  return model.state !== 'stopping' && busyCount(model) === 0;
}

function totalBytes(models: readonly ResidentModel[]): number {
  return models.reduce((sum, model) => sum + model.estimatedBytes, 0);
}

/** Least recently used first; ties by id so the order is stable. */
function byLeastRecentlyUsed(a: ResidentModel, b: ResidentModel): number {
  return a.lastUsedAt - b.lastUsedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function describeBusy(model: ResidentModel): string {
  if (model.state === 'stopping') return `${model.id} (still unloading)`;
  // A request may be both held and waiting (the gateway holds before it waits): count it once.
  const requests = Math.max(model.inFlight, model.waiting ?? 0);
  if (model.state === 'starting') return `${model.id} (starting for ${plural(requests, 'waiting request')})`;
  return `${model.id} (serving ${plural(requests, 'request')})`;
}

function describeIdle(model: ResidentModel, now: number): string {
  const unused = formatSpan(now - model.lastUsedAt);
  const use = model.state === 'starting' ? `still starting, unused for ${unused}` : `idle ${unused}`;
  return `${model.id} (${use}, ${formatBytes(model.estimatedBytes)})`;
}

interface Room {
  readonly limits: PoolLimits;
  readonly occupying: readonly ResidentModel[];
  readonly candidateBytes: number;
}

/** Would the candidate fit once `evicted` are gone? Returns which limits would still be exceeded. */
function overLimits(room: Room, evicted: readonly ResidentModel[]): { count: boolean; memory: boolean } {
  const { limits, occupying, candidateBytes } = room;
  const count = limits.maxLoadedModels > 0 && occupying.length - evicted.length + 1 > limits.maxLoadedModels;
  const memory =
    limits.memoryBudgetBytes > 0 &&
    totalBytes(occupying) - totalBytes(evicted) + candidateBytes > limits.memoryBudgetBytes;
  return { count, memory };
}

function limitPhrase(limits: PoolLimits, which: { count: boolean; memory: boolean }): string {
  const count = `within the limit of ${plural(limits.maxLoadedModels, 'loaded model')}`;
  const memory = `in the ${formatBytes(limits.memoryBudgetBytes)} budget`;
  if (which.count && which.memory) return `${count} and ${memory}`;
  return which.count ? count : memory;
}

function usagePhrase(room: Room): string {
  const { limits, occupying } = room;
  const parts: string[] = [];
  if (limits.maxLoadedModels > 0) {
    parts.push(`${occupying.length} of ${plural(limits.maxLoadedModels, 'model slot')} in use`);
  }
  if (limits.memoryBudgetBytes > 0) {
    parts.push(`${formatBytes(totalBytes(occupying))} of the ${formatBytes(limits.memoryBudgetBytes)} budget in use`);
  }
  return parts.length === 0 ? 'no limits on loaded models' : `it fits (${parts.join(', ')})`;
}

export function decideAdmission(input: AdmissionInput): AdmissionDecision {
  const { candidate, limits, now } = input;
  const label = `${candidate.id} (${formatBytes(candidate.estimatedBytes)})`;
  const occupying = input.loaded.filter((model) => OCCUPYING.has(model.state));

  const itself = occupying.find((model) => model.id === candidate.id);
  if (itself !== undefined) {
    if (itself.state === 'stopping') {
      return {
        action: 'wait',
        blockedBy: [candidate.id],
        reason: `${candidate.id} is still unloading; it loads again once it has stopped`,
      };
    }
    return { action: 'load', evict: [], evictions: [], reason: `${candidate.id} is already loaded` };
  }

  if (limits.memoryBudgetBytes > 0 && candidate.estimatedBytes > limits.memoryBudgetBytes) {
    return {
      action: 'refuse',
      reason:
        `${candidate.id} needs ${formatBytes(candidate.estimatedBytes)}, more than the whole ` +
        `${formatBytes(limits.memoryBudgetBytes)} memory budget; raise memoryBudgetBytes or choose a smaller model or quantization`,
    };
  }

  const room: Room = { limits, occupying, candidateBytes: candidate.estimatedBytes };
  const initially = overLimits(room, []);
  if (!initially.count && !initially.memory) {
    return { action: 'load', evict: [], evictions: [], reason: `loading ${label}: ${usagePhrase(room)}` };
  }

  // Least recently used idle models first, until both limits are met...
  const chosen: ResidentModel[] = [];
  for (const model of occupying.filter(isEvictable).sort(byLeastRecentlyUsed)) {
    const over = overLimits(room, chosen);
    if (!over.count && !over.memory) break;
    chosen.push(model);
  }
  const stillOver = overLimits(room, chosen);
  if (stillOver.count || stillOver.memory) {
    const busy = occupying.filter((model) => !isEvictable(model));
    const verb = busy.length === 1 ? 'is' : 'are';
    return {
      action: 'wait',
      blockedBy: busy.map((model) => model.id),
      reason:
        `${label} must wait: fitting it ${limitPhrase(limits, stillOver)} needs an eviction, but ` +
        `${listOf(busy.map(describeBusy))} ${verb} busy; it loads as soon as a model goes idle`,
    };
  }

  // ...then keep any pick that is not needed after all, most recently used first.
  for (let i = chosen.length - 1; i >= 0; i -= 1) {
    const without = chosen.filter((_, j) => j !== i);
    const over = overLimits(room, without);
    if (!over.count && !over.memory) chosen.splice(i, 1);
  }

  const phrase = `to fit ${label} ${limitPhrase(limits, initially)}`;
  const evictions = chosen.map((model) => ({ id: model.id, reason: `evicted ${describeIdle(model, now)} ${phrase}` }));
  return {
    action: 'load',
    evict: chosen.map((model) => model.id),
    evictions,
    reason: `evicted ${listOf(chosen.map((model) => describeIdle(model, now)))} ${phrase}`,
  };
}
