/**
 * A first model for a machine that has none, and a rough fit for any GGUF
 * file known only by its size (a file on the hub, before it is downloaded).
 *
 * Both are pure: a hardware snapshot and sizes in, a decision with a
 * human-readable `reason` out. The real fit (main/hardware/fit.ts) needs the
 * model's architecture from its GGUF header, which we only have after the
 * download; before that the file size stands in for the weights and a rough
 * allowance for the KV cache and compute buffers (see SIZE_ONLY_ALLOWANCE).
 */
import { DEFAULT_FIT_POLICY, formatBytes, memoryBudget, type FitPolicy, type FitVerdict } from '../hardware/fit.js';
import type { HardwareSnapshot } from '../hardware/types.js';
import { dataPaths } from '../config/paths.js';

const MIB = 1024 ** 2;

// ---------------------------------------------------------------- fit from a file size

/**
 * What the KV cache and compute buffers add on top of the weights at about
 * 4096 tokens of context: a fixed part plus a share of the file. Worked out
 * with the formulas of main/hardware/memory-estimate.ts for common models at
 * f16 KV cache (Qwen2.5-0.5B ≈ 350 MiB, Llama-3.2-1B ≈ 390 MiB, Qwen2.5-1.5B
 * ≈ 415 MiB, Llama-3.2-3B ≈ 710 MiB, Llama-3.1-8B ≈ 790 MiB): a 128k-token
 * vocabulary alone makes the logits buffer ~250 MiB. It overestimates for
 * large models (a 70B needs ~1.5 GiB, this gives ~6 GiB), the safe side.
 */
export const SIZE_ONLY_ALLOWANCE = { fixedBytes: 384 * MIB, fractionOfFile: 0.15 } as const;

export interface SizeFitRequest {
  /** The file's size (all parts of a split model). Stands in for the weights. */
  readonly sizeBytes: number;
  readonly hardware: HardwareSnapshot;
  readonly policy?: Partial<FitPolicy>;
}

export interface SizeFit {
  readonly verdict: FitVerdict;
  /** Always `file-size`: a rough estimate, not the metadata-based fit. */
  readonly basis: 'file-size';
  readonly estimate: {
    readonly weightsBytes: number;
    /** KV cache and compute buffers, roughly (SIZE_ONLY_ALLOWANCE). */
    readonly allowanceBytes: number;
    readonly overheadBytes: number;
    readonly totalBytes: number;
  };
  readonly reason: string;
}

/** Where a model of this size would go, judged from its size alone. */
export function fitByFileSize(request: SizeFitRequest): SizeFit {
  const policy = { ...DEFAULT_FIT_POLICY, ...request.policy };
  const budget = memoryBudget(request.hardware, policy);
  const weightsBytes = Math.max(0, request.sizeBytes);
  const allowanceBytes = Math.round(SIZE_ONLY_ALLOWANCE.fixedBytes + SIZE_ONLY_ALLOWANCE.fractionOfFile * weightsBytes);
  const overheadBytes = policy.runtimeOverheadBytes;
  const model = weightsBytes + allowanceBytes; // what has to live on the device(s)
  const estimate = { weightsBytes, allowanceBytes, overheadBytes, totalBytes: model + overheadBytes };
  const gpu = budget.gpuName ?? 'GPU';
  const vram = budget.vramBytes;
  const basis = `estimated from the file size (${formatBytes(weightsBytes)}) plus ~${formatBytes(allowanceBytes)} for KV cache and compute at ~4k context, because the model's metadata is only read after download`;

  let verdict: FitVerdict;
  let where: string;
  if (budget.unified && vram !== null) {
    if (model <= vram && model + overheadBytes <= budget.ramBytes) {
      verdict = 'full-gpu';
      where = `Should fit on the ${gpu} GPU: about ${formatBytes(model)} of the ${formatBytes(vram)} it may use of the shared memory`;
    } else if (model + overheadBytes <= budget.ramBytes) {
      verdict = 'partial-gpu';
      where = `Should fit the shared memory (about ${formatBytes(model + overheadBytes)} of ${formatBytes(budget.ramBytes)}), partly beyond what the GPU may use`;
    } else {
      verdict = 'does-not-fit';
      where = `Probably does not fit: needs about ${formatBytes(model + overheadBytes)} with ${formatBytes(budget.ramBytes)} of usable memory`;
    }
  } else if (vram !== null && model <= vram && overheadBytes <= budget.ramBytes) {
    verdict = 'full-gpu';
    where = `Should fit entirely on the ${gpu}: about ${formatBytes(model)} of ${formatBytes(vram)} usable VRAM`;
  } else if (vram !== null && vram > 0 && model - vram + overheadBytes <= budget.ramBytes) {
    verdict = 'partial-gpu';
    const share = Math.round((100 * vram) / model);
    where = `Should run split: about ${share} % on the ${gpu} (${formatBytes(vram)} usable VRAM), the rest on the CPU from RAM`;
  } else if (model + overheadBytes <= budget.ramBytes) {
    verdict = 'cpu-only';
    const why = vram === null ? 'No usable GPU' : `Too big for the ${gpu}`;
    where = `${why}; should run on the CPU: about ${formatBytes(model + overheadBytes)} of ${formatBytes(budget.ramBytes)} usable RAM`;
  } else {
    verdict = 'does-not-fit';
    const room = vram === null ? `${formatBytes(budget.ramBytes)} usable RAM` : `${formatBytes(budget.ramBytes)} usable RAM and ${formatBytes(vram)} usable VRAM`;
    where = `Probably does not fit: needs about ${formatBytes(model + overheadBytes)} with ${room}`;
  }
  return { verdict, basis: 'file-size', estimate, reason: `${where} (${basis}).` };
}

// ---------------------------------------------------------------- starter model

export interface StarterModel {
  readonly label: string;
  readonly repo: string;
  readonly file: string;
  /** Approximate: as listed on the hub when this list was written; the download checks the real size. */
  readonly sizeBytes: number;
  readonly license: string;
}

/**
 * Well-known small instruct models, best first. All are Q4_K_M (the usual
 * quality/size default) from bartowski's GGUF repos, which are not gated.
 * Sizes are APPROXIMATE, taken from the repos' file listings and model cards
 * on huggingface.co (bartowski/Llama-3.2-1B-Instruct-GGUF lists 0.81 GB,
 * bartowski/Llama-3.2-3B-Instruct-GGUF 2.02 GB; Qwen2.5 Q4_K_M files are
 * ~986 MB for 1.5B and ~398 MB for 0.5B in bartowski's and other quantisers'
 * listings). They only rank the candidates; the real size comes from the hub
 * at download time and the real fit from the file once it is here.
 */
export const STARTER_MODELS: readonly StarterModel[] = [
  {
    label: 'Llama 3.2 3B Instruct (Q4_K_M)',
    repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
    file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    sizeBytes: 2_020_000_000,
    license: 'Llama 3.2 Community License',
  },
  {
    label: 'Qwen2.5 1.5B Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-1.5B-Instruct-GGUF',
    file: 'Qwen2.5-1.5B-Instruct-Q4_K_M.gguf',
    sizeBytes: 986_000_000,
    license: 'Apache-2.0',
  },
  {
    label: 'Llama 3.2 1B Instruct (Q4_K_M)',
    repo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
    file: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    sizeBytes: 808_000_000,
    license: 'Llama 3.2 Community License',
  },
  {
    label: 'Qwen2.5 0.5B Instruct (Q4_K_M)',
    repo: 'bartowski/Qwen2.5-0.5B-Instruct-GGUF',
    file: 'Qwen2.5-0.5B-Instruct-Q4_K_M.gguf',
    sizeBytes: 398_000_000,
    license: 'Apache-2.0',
  },
];

export type StarterRecommendation =
  | {
      readonly none?: undefined;
      readonly label: string;
      readonly repo: string;
      readonly file: string;
      readonly sizeBytes: number;
      readonly verdict: FitVerdict;
      readonly reason: string;
    }
  | { readonly none: true; readonly reason: string };

export interface StarterOptions {
  readonly candidates?: readonly StarterModel[];
  readonly policy?: Partial<FitPolicy>;
}

/** The best starter that fits this machine (the first in the list that does), or `none` with why. */
export function recommendStarter(hardware: HardwareSnapshot, options: StarterOptions = {}): StarterRecommendation {
  const candidates = options.candidates ?? STARTER_MODELS;
  for (const [index, candidate] of candidates.entries()) {
    const fit = fitByFileSize({ sizeBytes: candidate.sizeBytes, hardware, policy: options.policy });
    if (fit.verdict === 'does-not-fit') continue;
    const rank = index === 0 ? 'the most capable starter model, and it fits' : `the most capable starter model that fits (larger ones do not)`;
    return {
      label: candidate.label,
      repo: candidate.repo,
      file: candidate.file,
      sizeBytes: candidate.sizeBytes,
      verdict: fit.verdict,
      reason: `${candidate.label}, about ${formatDecimalBytes(candidate.sizeBytes)} (${candidate.license}), is ${rank}. ${fit.reason}`,
    };
  }
  const policy = { ...DEFAULT_FIT_POLICY, ...options.policy };
  const budget = memoryBudget(hardware, policy);
  const smallest = [...candidates].sort((a, b) => a.sizeBytes - b.sizeBytes)[0];
  const need = smallest ? fitByFileSize({ sizeBytes: smallest.sizeBytes, hardware, policy }).estimate.totalBytes : 0;
  return {
    none: true,
    reason: smallest
      ? `None of the starter models fits: this machine has ${formatBytes(hardware.memory.totalBytes)} of RAM, ${budget.ramBytes > 0 ? `${formatBytes(budget.ramBytes)} of it` : 'none of it'} usable for a model after keeping room for the system, and even the smallest (${smallest.label}) needs about ${formatBytes(need)}.`
      : 'There are no starter models to choose from.',
  };
}

/** The lines `homeport serve` prints when there are no models yet. */
export function formatStarterAdvice(recommendation: StarterRecommendation, dataDir: string): string[] {
  const modelsDir = dataPaths(dataDir).models;
  if (recommendation.none) {
    return [
      'No models yet, and no starter model is recommended for this machine:',
      `  ${recommendation.reason}`,
      'You can still use a small GGUF file you already have:',
      `  copy it into ${modelsDir}, or run: homeport serve --model /path/to/model.gguf`,
    ];
  }
  return [
    'No models yet. A good first model for this machine:',
    `  homeport pull ${recommendation.repo}:${recommendation.file}`,
    `Why: ${recommendation.reason}`,
    `It downloads about ${formatDecimalBytes(recommendation.sizeBytes)} into ${modelsDir}; then run \`homeport serve\` again.`,
  ];
}

/** Sizes as the hub shows them (10^9 bytes), e.g. `2.0 GB`, `398 MB`. */
function formatDecimalBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  return `${Math.round(bytes / 1e6)} MB`;
}
