/**
 * Whether any lane is streaming, for what the page offers around it (Stop or Send, edit and regenerate, the
 * controls a stream disables). A stream starting shows at once; its end shows one render later, in a transition
 * of its own: the task that draws the finished answer does not also mount the buttons that come back with it.
 */
import { useDeferredValue } from 'react';
import { usePlayground } from '../../stores/playground.js';

export function useStreaming(): boolean {
  const streaming = usePlayground((s) => Object.keys(s.streaming).length > 0);
  const shown = useDeferredValue(streaming);
  return streaming || shown;
}
