import { describe, expect, it } from 'vitest';
import { fitByFileSize, formatStarterAdvice, recommendStarter, STARTER_MODELS } from '../../main/models/starter.js';
import { GIB, machine, nvidiaGpu } from '../hardware/model-shapes.js';

describe('recommendStarter', () => {
  it('picks the most capable starter for a 16 GiB machine with an 8 GiB GPU, on the GPU', () => {
    const rec = recommendStarter(machine({ ramGiB: 16, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4060', 8)] }));
    expect(rec.none).toBeUndefined();
    if (rec.none) return;
    expect(rec).toMatchObject({ repo: STARTER_MODELS[0]!.repo, file: STARTER_MODELS[0]!.file, sizeBytes: STARTER_MODELS[0]!.sizeBytes, verdict: 'full-gpu' });
    expect(rec.reason).toMatch(/Llama 3\.2 3B/);
    expect(rec.reason).toMatch(/NVIDIA GeForce RTX 4060/);
  });

  it('runs the same pick on the CPU of a 16 GiB machine without a GPU', () => {
    const rec = recommendStarter(machine({ ramGiB: 16 }));
    expect(rec.none).toBeUndefined();
    if (!rec.none) expect(rec).toMatchObject({ repo: STARTER_MODELS[0]!.repo, verdict: 'cpu-only' });
  });

  it('falls back to a smaller model when the larger ones do not fit (4 GiB: 2 GiB usable after the reserve)', () => {
    const rec = recommendStarter(machine({ ramGiB: 4 }));
    expect(rec.none).toBeUndefined();
    if (rec.none) return;
    expect(rec.repo).toBe('bartowski/Qwen2.5-1.5B-Instruct-GGUF');
    expect(rec.reason).toMatch(/larger ones do not/);
    // And the choice really is the first that fits: the 3B does not.
    expect(fitByFileSize({ sizeBytes: STARTER_MODELS[0]!.sizeBytes, hardware: machine({ ramGiB: 4 }) }).verdict).toBe('does-not-fit');
  });

  it('fits on Apple Silicon\'s shared memory', () => {
    const rec = recommendStarter(machine({ ramGiB: 8, apple: 'M2' }));
    expect(rec.none).toBeUndefined();
    if (!rec.none) expect(rec.verdict).toBe('full-gpu');
  });

  it('recommends nothing for a 1 GiB machine, and says why', () => {
    const rec = recommendStarter(machine({ ramGiB: 1 }));
    expect(rec.none).toBe(true);
    expect(rec.reason).toMatch(/1\.0 GiB of RAM/);
    expect(rec.reason).toMatch(/smallest \(Qwen2\.5 0\.5B/);
  });
});

describe('formatStarterAdvice', () => {
  it('tells what to run and why', () => {
    const rec = recommendStarter(machine({ ramGiB: 16, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4060', 8)] }));
    const lines = formatStarterAdvice(rec, '/home/me/.local/share/homeport');
    expect(lines).toContain(`  homeport pull ${STARTER_MODELS[0]!.repo}:${STARTER_MODELS[0]!.file}`);
    expect(lines.join('\n')).toMatch(/Why: Llama 3\.2 3B/);
    expect(lines.join('\n')).toContain('/home/me/.local/share/homeport/models');
  });

  it('without a recommendation, points at --model and the models folder', () => {
    const lines = formatStarterAdvice(recommendStarter(machine({ ramGiB: 1 })), '/data');
    const text = lines.join('\n');
    expect(text).not.toMatch(/homeport pull/);
    expect(text).toMatch(/homeport serve --model/);
    expect(text).toContain('/data/models');
  });
});

describe('fitByFileSize', () => {
  const gpuBox = machine({ ramGiB: 32, gpus: [nvidiaGpu('NVIDIA GeForce RTX 4060', 8)] });

  it('puts a file that fits the VRAM on the GPU, says the estimate comes from the size', () => {
    const fit = fitByFileSize({ sizeBytes: 4.9e9, hardware: gpuBox });
    expect(fit.verdict).toBe('full-gpu');
    expect(fit.basis).toBe('file-size');
    expect(fit.reason).toMatch(/estimated from the file size/);
    expect(fit.estimate.totalBytes).toBe(fit.estimate.weightsBytes + fit.estimate.allowanceBytes + fit.estimate.overheadBytes);
  });

  it('splits a file bigger than the VRAM, runs it on the CPU without a GPU, and refuses one bigger than RAM', () => {
    expect(fitByFileSize({ sizeBytes: 20 * GIB, hardware: gpuBox }).verdict).toBe('partial-gpu');
    expect(fitByFileSize({ sizeBytes: 20 * GIB, hardware: machine({ ramGiB: 32 }) }).verdict).toBe('cpu-only');
    const tooBig = fitByFileSize({ sizeBytes: 40 * GIB, hardware: gpuBox });
    expect(tooBig.verdict).toBe('does-not-fit');
    expect(tooBig.reason).toMatch(/Probably does not fit/);
  });
});
