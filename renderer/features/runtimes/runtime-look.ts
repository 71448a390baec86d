/** How a runtime's state and kind read on screen. */
import type { RuntimeSnapshot } from '../../../preload/contract.js';
import { ROLE_COLORS } from '../../theme.js';

export const STATE_LOOK: Record<RuntimeSnapshot['state'], { readonly label: string; readonly color: string }> = {
  ready: { label: 'Ready', color: ROLE_COLORS.ok },
  starting: { label: 'Starting', color: ROLE_COLORS.busy },
  stopping: { label: 'Stopping', color: ROLE_COLORS.warn },
  stopped: { label: 'Stopped', color: ROLE_COLORS.idle },
  failed: { label: 'Failed', color: ROLE_COLORS.bad },
};

export const KIND_LABEL: Record<RuntimeSnapshot['kind'], string> = {
  embedded: 'Embedded llama.cpp',
  'llama-server': 'llama-server',
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  vllm: 'vLLM',
};

/** Which buttons make sense in a state: no Start while ready, no Stop while stopped. */
export function runtimeActions(state: RuntimeSnapshot['state']): { start: boolean; stop: boolean; restart: boolean } {
  return {
    start: state === 'stopped' || state === 'failed',
    stop: state === 'ready' || state === 'starting',
    restart: state === 'ready' || state === 'failed',
  };
}

export interface Sighting {
  /** Short words for a table cell: "detected 2 minutes ago", "gone since 14:03:22". */
  readonly text: string;
  /** The longer story for a tooltip. */
  readonly detail: string;
  readonly tone: 'ok' | 'gone' | 'never';
}

/** When a runtime's server (or a model it offered) was found, and whether it went away. Pure: times in, words out. */
export function describeSighting(input: {
  readonly detectedAt: string | null | undefined;
  readonly goneSince: string | null | undefined;
  readonly now: number;
  readonly relative: (at: number, now: number) => string;
  readonly clock: (at: number) => string;
}): Sighting {
  const seen = input.detectedAt ? Date.parse(input.detectedAt) : NaN;
  const gone = input.goneSince ? Date.parse(input.goneSince) : NaN;
  if (Number.isFinite(gone)) {
    return {
      text: `gone since ${input.clock(gone)}`,
      detail: `It stopped answering ${input.relative(gone, input.now)}${Number.isFinite(seen) ? `; it had been found ${input.relative(seen, input.now)}` : ''}. Start it again and Homeport finds it at its next look (or press “Look again”).`,
      tone: 'gone',
    };
  }
  if (Number.isFinite(seen)) {
    return { text: `detected ${input.relative(seen, input.now)}`, detail: `Found answering at ${input.clock(seen)}; Homeport keeps looking while it runs.`, tone: 'ok' };
  }
  return { text: 'not seen running', detail: 'No server of this runtime has answered since Homeport started.', tone: 'never' };
}
