/**
 * Disables the controls inside it while any lane streams, without redrawing them: a native fieldset's `disabled`
 * reaches every button and input in it (no click, no focus), and the component library styles `:disabled` exactly as
 * its own `disabled` prop. A stream starting or ending then redraws this one element instead of a row of buttons and
 * a model picker (a combobox with its popover) in the task that shows the answer.
 */
import type { ReactNode } from 'react';
import { useStreaming } from './use-streaming.js';

export function DisabledWhileStreaming({ children }: { readonly children: ReactNode }) {
  const busy = useStreaming();
  return (
    <fieldset className="hp-fieldset" disabled={busy}>
      {children}
    </fieldset>
  );
}
