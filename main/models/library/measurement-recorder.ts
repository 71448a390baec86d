import { realpath } from 'node:fs/promises';
import type { RuntimeHandle } from '../../runtimes/types.js';
import type { ModelMetrics } from '../../metrics/model-metrics.js';
import type { LibraryService } from './service.js';
import type { ModelFacts } from '../../control/model-list.js';

export interface MeasurementRecorderOptions {
  /** Model id → its runtime (only process-per-model runtimes with a pid are measured). */
  readonly runtimes: ReadonlyMap<string, RuntimeHandle>;
  readonly facts: ReadonlyMap<string, ModelFacts>;
  readonly metrics: ModelMetrics;
  readonly library: Pick<LibraryService, 'library' | 'predictionFor' | 'recordRuntimeMeasurement'>;
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

/**
 * Once a model has served streamed requests, record what its runtime really
 * uses (process RSS, decode tok/s) next to what fit.ts predicted, once per
 * launch (pid). The library then shows measured figures for that model.
 */
export function startMeasurementRecorder(options: MeasurementRecorderOptions): () => void {
  const measuredPids = new Set<number>();
  let busy = false;

  async function catalogIdFor(path: string): Promise<string | null> {
    const wanted = await realpath(path).catch(() => path);
    const view = await options.library.library();
    for (const model of view.models) {
      for (const file of model.files) if ((await realpath(file).catch(() => file)) === wanted) return model.id;
    }
    return null;
  }

  async function tick(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const speeds = new Map(options.metrics.snapshot().map((m) => [m.model, m.decodeTokPerSec.p50]));
      for (const [modelId, runtime] of options.runtimes) {
        const snapshot = runtime.snapshot();
        const decode = speeds.get(modelId);
        const facts = options.facts.get(modelId);
        if (snapshot.state !== 'ready' || !snapshot.pid || !decode || !facts?.path || measuredPids.has(snapshot.pid)) continue;
        measuredPids.add(snapshot.pid);
        const catalogId = await catalogIdFor(facts.path);
        if (!catalogId) continue;
        const prediction = await options.library.predictionFor(catalogId, { contextSize: facts.contextLength, slots: facts.parallel, gpuLayers: 0 });
        const record = await options.library.recordRuntimeMeasurement({ modelId: catalogId, pid: snapshot.pid, decodeTokPerSec: decode, prediction });
        if (record) options.log(`measured ${modelId}: RSS and ${decode} tok/s recorded next to the prediction`);
      }
    } catch (err) {
      options.log(`measurement failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
