/**
 * Reads the load figures Homeport understands out of a Prometheus text
 * exposition: vLLM's `vllm:num_requests_running`/`vllm:num_requests_waiting`
 * and llama-server's `llamacpp:requests_processing`/`llamacpp:requests_deferred`.
 * Series of one metric (e.g. per model) are summed.
 */

export interface ServerLoad {
  readonly running: number;
  readonly waiting: number;
  /** Which server's metrics these were, e.g. `vllm` or `llama.cpp`. */
  readonly source: string;
}

const FAMILIES = [
  { source: 'vllm', running: 'vllm:num_requests_running', waiting: 'vllm:num_requests_waiting' },
  { source: 'llama.cpp', running: 'llamacpp:requests_processing', waiting: 'llamacpp:requests_deferred' },
] as const;

export function parseServerLoad(text: string): ServerLoad | undefined {
  const sums = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + value);
  }
  for (const family of FAMILIES) {
    if (sums.has(family.running) || sums.has(family.waiting)) {
      return { running: sums.get(family.running) ?? 0, waiting: sums.get(family.waiting) ?? 0, source: family.source };
    }
  }
  return undefined;
}
