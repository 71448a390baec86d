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
