/**
 * What the tray shows, as data: a tooltip and a menu template whose items
 * carry an `action` instead of a click handler. Pure, so it is tested
 * without Electron; main/index.ts turns the actions into effects.
 */
import type { EngineStatus } from '../control/status.js';
import type { ModelView } from '../control/model-list.js';

export type TrayAction =
  | { readonly kind: 'open' }
  | { readonly kind: 'copy-endpoint' }
  | { readonly kind: 'load'; readonly model: string }
  | { readonly kind: 'unload'; readonly model: string }
  | { readonly kind: 'quit' };

export interface TrayItem {
  readonly label?: string;
  readonly type?: 'normal' | 'separator' | 'submenu';
  readonly enabled?: boolean;
  readonly action?: TrayAction;
  readonly submenu?: readonly TrayItem[];
}

export interface TrayView {
  readonly tooltip: string;
  readonly items: readonly TrayItem[];
}

const MODEL_VERB: Readonly<Record<ModelView['state'], { label: string; action: 'load' | 'unload' | null }>> = {
  available: { label: 'Load', action: 'load' },
  failed: { label: 'Load again', action: 'load' },
  loading: { label: 'Loading…', action: null },
  loaded: { label: 'Unload', action: 'unload' },
  unloading: { label: 'Unloading…', action: null },
};

function tokPerSec(status: EngineStatus | null): number | null {
  if (!status) return null;
  const speeds = status.models.map((m) => m.decodeTokPerSec.last).filter((v): v is number => typeof v === 'number' && v > 0);
  return speeds.length ? Math.max(...speeds) : null;
}

export function trayView(input: { readonly endpoint: string; readonly status: EngineStatus | null; readonly models: readonly ModelView[] }): TrayView {
  const loaded = input.models.filter((m) => m.state === 'loaded');
  const speed = tokPerSec(input.status);
  const busy = input.status ? input.status.inFlight : 0;
  const summary = [
    `${loaded.length} model${loaded.length === 1 ? '' : 's'} loaded`,
    ...(busy > 0 ? [`${busy} request${busy === 1 ? '' : 's'} running`] : []),
    ...(speed !== null ? [`last ${speed.toFixed(1)} tok/s`] : []),
  ].join(' · ');

  const modelItems: TrayItem[] = input.models.length
    ? input.models.map((model) => {
        // A model Homeport did not load (an attached server's) cannot be unloaded from here.
        const verb = model.state === 'loaded' && model.externallyManaged ? { label: 'Runs outside Homeport', action: null } : MODEL_VERB[model.state];
        return {
          label: `${model.id} — ${model.state}`,
          type: 'submenu',
          submenu: [
            verb.action === null
              ? { label: verb.label, enabled: false }
              : { label: verb.label, action: { kind: verb.action, model: model.id } },
          ],
        };
      })
    : [{ label: 'No models yet — open Homeport to download one', enabled: false }];

  return {
    tooltip: `Homeport — ${input.endpoint}\n${summary}`,
    items: [
      { label: `Endpoint: ${input.endpoint}`, enabled: false },
      { label: summary, enabled: false },
      { type: 'separator' },
      { label: 'Open Homeport', action: { kind: 'open' } },
      { label: 'Copy endpoint URL', action: { kind: 'copy-endpoint' } },
      { type: 'separator' },
      { label: 'Models', type: 'submenu', submenu: modelItems },
      { type: 'separator' },
      { label: 'Quit Homeport', action: { kind: 'quit' } },
    ],
  };
}
