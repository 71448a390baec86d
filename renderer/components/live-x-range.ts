/**
 * The x (time) range of a live chart, taken from the data itself.
 *
 * uPlot cannot range an x scale from a single value: with one sample it
 * widens the scale to a whole day past it and hands that widened max to the
 * range function, so a window anchored on "max" showed an empty day ahead of
 * the only point. Anchoring on the newest x in the data keeps the first
 * sample on screen from the moment it arrives.
 */

/** Room on the right of the newest point, as a share of the window, so its dot is not cut off. */
const RIGHT_ROOM = 0.015;
/** Half the span around a lone sample when the chart has no fixed window (seconds). */
const LONE_SAMPLE_HALF_SPAN = 30;

/**
 * `xs` oldest first, in seconds. With `windowSec` the range always spans that
 * window ending just after the newest sample; without it, the data's own span
 * (a lone sample sits in the middle of a short span). Null when there is no data.
 */
export function liveXRange(xs: ArrayLike<number>, windowSec?: number): [number, number] | null {
  if (xs.length === 0) return null;
  const first = xs[0]!;
  const last = xs[xs.length - 1]!;
  if (windowSec && windowSec > 0) return [last - windowSec, last + windowSec * RIGHT_ROOM];
  if (first === last) return [first - LONE_SAMPLE_HALF_SPAN, last + LONE_SAMPLE_HALF_SPAN];
  return [first, last];
}
