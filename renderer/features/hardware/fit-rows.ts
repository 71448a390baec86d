/** Rows of the Hardware page's fit tables, from the library and the per-model fit and prediction. Pure. */
import type { FitView, LibraryView, PredictionView } from '../../../preload/contract.js';
import type { ModelDetail } from '../../stores/hardware.js';

export interface LargestContext {
  readonly tokens: number;
  readonly where: 'full GPU' | 'partial GPU' | 'CPU';
}

/** The largest context that fits anywhere, and where it would run. Null when nothing fits. */
export function largestContext(fit: FitView['fit'] | null | undefined): LargestContext | null {
  if (!fit) return null;
  const options: LargestContext[] = [];
  if (fit.maxContext.fullGpu.contextSize) options.push({ tokens: fit.maxContext.fullGpu.contextSize, where: 'full GPU' });
  if (fit.maxContext.partialGpu.contextSize) options.push({ tokens: fit.maxContext.partialGpu.contextSize, where: 'partial GPU' });
  if (fit.maxContext.cpuOnly.contextSize) options.push({ tokens: fit.maxContext.cpuOnly.contextSize, where: 'CPU' });
  return options.reduce<LargestContext | null>((best, o) => (best === null || o.tokens > best.tokens ? o : best), null);
}

export interface FitRow {
  readonly id: string;
  readonly name: string;
  readonly quant: string | null;
  readonly sizeBytes: number;
  readonly fit: LibraryView['models'][number]['fit'];
  readonly largest: LargestContext | null;
  readonly speed: { readonly low: number; readonly high: number } | null;
  readonly prediction: PredictionView | null;
  readonly error: string | null;
}

export function fitRows(library: LibraryView | null, details: Readonly<Record<string, ModelDetail | undefined>>): FitRow[] {
  return (library?.models ?? []).map((m) => {
    const detail = details[m.id];
    return {
      id: m.id,
      name: m.displayName.replace(/\.gguf$/i, ''),
      quant: m.metadata.fileType,
      sizeBytes: m.sizeBytes,
      fit: m.fit,
      largest: largestContext(detail?.fit?.fit),
      speed: detail?.fit?.speed?.tokensPerSecond ?? null,
      prediction: detail?.prediction ?? null,
      error: detail?.error?.message ?? null,
    };
  });
}
