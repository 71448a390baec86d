/**
 * The whole answer for one model on this machine: where it goes (fit.ts) and
 * how fast it will then decode (speed.ts), from plain data.
 */
import { fitModel, type FitDecision, type FitRequest } from './fit.js';
import { estimateDecodeSpeed, type SpeedEstimate } from './speed.js';
import type { MemoryBandwidth } from './types.js';

export interface MachineEstimateRequest extends FitRequest {
  readonly bandwidth: MemoryBandwidth;
  /** Tokens already in the cache when the speed is quoted. Default 0. */
  readonly kvTokens?: number;
}

export interface MachineEstimate {
  readonly fit: FitDecision;
  /** Null when the model does not fit: there is no placement to time. */
  readonly speed: SpeedEstimate | null;
}

export function estimateForMachine(request: MachineEstimateRequest): MachineEstimate {
  const fit = fitModel(request);
  if (fit.verdict === 'does-not-fit') return { fit, speed: null };
  const speed = estimateDecodeSpeed({
    model: request.model,
    gpuLayers: fit.gpuLayers,
    bandwidth: request.bandwidth,
    kvTokens: request.kvTokens ?? 0,
    kvCacheType: fit.kvCacheType,
  });
  return { fit, speed };
}
