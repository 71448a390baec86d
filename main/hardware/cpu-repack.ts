/**
 * llama.cpp's CPU backend copies some quantised weights into an interleaved
 * layout its matrix kernels read faster (the `CPU_REPACK` buffer in its load
 * log). The copy is anonymous memory; the original stays mapped from the file
 * (and resident, since the repack read it), so a repacked tensor counts twice
 * in the process's RSS. The file-backed half is clean page cache the kernel
 * may drop under pressure; the fit does not count it against the budget.
 *
 * Which types are repacked depends on the CPU (ggml-cpu's
 * `ggml_repack_get_optimal_repack_type`, llama.cpp as bundled with
 * node-llama-cpp 3.21.1), for 2-D matrix weights whose row count is a
 * multiple of 8 (GgufTensorBytes only lists those):
 *
 * - x86-64 with AVX2: Q4_0, Q4_K, IQ4_NL, MXFP4; with AVX-512 also Q2_K.
 * - arm64 with NEON (dot product assumed, as on every ARMv8.2+ core llama.cpp
 *   targets): Q4_0, Q4_K, Q5_K, Q6_K, IQ4_NL, MXFP4. Q8_0 needs i8mm, which
 *   the probe cannot see: not counted.
 *
 * The token embedding is never repacked (it is read by row, not multiplied).
 */
import type { CpuInfo } from './types.js';

const AVX2_TYPES = ['Q4_0', 'Q4_K', 'IQ4_NL', 'MXFP4'] as const;
const NEON_TYPES = ['Q4_0', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL', 'MXFP4'] as const;

/** The ggml type names this CPU's llama.cpp backend repacks. Empty when it repacks nothing. */
export function repackedTypes(flags: CpuInfo['flags']): readonly string[] {
  if (flags.avx2) return flags.avx512 ? [...AVX2_TYPES, 'Q2_K'] : [...AVX2_TYPES];
  if (flags.neon) return [...NEON_TYPES];
  return [];
}

/** Bytes of one set of matrix weights that are repacked, given their bytes per ggml type. */
export function repackedBytesOf(bytesByType: Readonly<Record<string, number>> | undefined, types: readonly string[]): number {
  if (!bytesByType) return 0;
  let sum = 0;
  for (const type of types) sum += bytesByType[type] ?? 0;
  return sum;
}
