// @vitest-environment jsdom
/**
 * The Hardware page's live chart draws from its first telemetry sample: the
 * sample lies inside the x range uPlot is given and is drawn as a dot, instead
 * of an empty chart until the second sample ~2 s later.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, render, waitFor } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type uPlot from 'uplot';
import type { LiveSample, Transport } from '../../preload/contract.js';
import { LiveChart } from '../../renderer/components/LiveChart.js';
import { liveXRange } from '../../renderer/components/live-x-range.js';
import { RingSeries } from '../../renderer/components/ring-buffer.js';
import { createHardwareStore, MAX_GPU_SERIES } from '../../renderer/stores/hardware.js';
import { installJsdomShims } from './jsdom-shims.js';

const made = vi.hoisted(() => [] as uPlot[]);
vi.mock('uplot', async (importOriginal) => {
  // uPlot reads matchMedia as it loads.
  (await import('./jsdom-shims.js')).installJsdomShims();
  const Real = (await importOriginal<{ default: typeof uPlot }>()).default;
  class Recorded extends Real {
    constructor(...args: ConstructorParameters<typeof Real>) {
      super(...args);
      made.push(this);
    }
  }
  return { default: Recorded };
});

/** Arcs (uPlot's point dots) in every path the chart fills or strokes. */
const drawnArcs: { x: number; y: number }[] = [];

class RecordingPath2D {
  readonly arcs: { x: number; y: number }[] = [];
  arc(x: number, y: number) {
    this.arcs.push({ x, y });
  }
  addPath(other: RecordingPath2D) {
    this.arcs.push(...other.arcs);
  }
  moveTo() {}
  lineTo() {}
  rect() {}
  closePath() {}
  bezierCurveTo() {}
}

/** A 2D context that accepts everything and records the dots it is asked to draw. */
function recordingContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const state: Record<string | symbol, unknown> = { canvas };
  const draw = (path?: unknown) => {
    if (path instanceof RecordingPath2D) drawnArcs.push(...path.arcs);
  };
  return new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === 'fill' || key === 'stroke') return draw;
      if (key === 'measureText') return (text: string) => ({ width: text.length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
      return () => undefined;
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

beforeAll(() => {
  installJsdomShims();
  (globalThis as { Path2D?: unknown }).Path2D = RecordingPath2D;
  HTMLCanvasElement.prototype.getContext = function getContext(this: HTMLCanvasElement) {
    return recordingContext(this);
  } as unknown as typeof HTMLCanvasElement.prototype.getContext;
});
afterEach(() => {
  cleanup();
  made.length = 0;
  drawnArcs.length = 0;
});

const SERIES = [
  { label: 'RAM used', color: '#1c7ed6' },
  { label: 'CPU', color: '#e8590c' },
];
const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)}%`);

function sample(at: number): LiveSample {
  return { at, ram: { totalBytes: 16e9, usedBytes: 8e9, availableBytes: 8e9 }, cpuLoadPct: 37.5, gpus: [] };
}

/**
 * The hardware store fed live samples through a fake `hardwareLive` subscription and the
 * engine's kept samples through a fake `hardwareHistory` call (none: an engine without history).
 */
async function storeWith(options: { readonly live: readonly number[]; readonly history?: readonly number[] }) {
  const calls: { name: string; params: unknown }[] = [];
  let emit: ((event: { type: 'sample'; data: LiveSample }) => void) | null = null;
  const transport = {
    call: async (name: string, params: unknown) => {
      calls.push({ name, params });
      return options.history ? { ok: true, data: { samples: options.history.map(sample), intervalMs: 2000, capacity: 300, recording: true } } : { ok: false, error: { code: 'http_404', message: 'Not found' } };
    },
    subscribe: (_name: string, listener: (event: { type: 'sample'; data: LiveSample }) => void) => {
      emit = listener;
      // A live sample can come before the history answers.
      for (const at of options.live) listener({ type: 'sample', data: sample(at) });
      return () => undefined;
    },
    // Every transport reports its link to the engine (feeds restart when it comes back); this one stays connected.
    connection: { get: () => ({ kind: 'connected' }), subscribe: () => () => undefined },
  } as unknown as Transport;
  const frames: (() => void)[] = [];
  const store = createHardwareStore({ transport: () => transport, scheduler: { request: (run) => frames.push(run), cancel: () => undefined } });
  const release = store.hardwareLiveFeed.acquire();
  await waitFor(() => expect(calls.map((c) => c.name)).toContain('hardwareHistory'));
  await new Promise((r) => setTimeout(r, 0));
  for (const frame of frames.splice(0)) frame();
  return { store, state: store.useHardware.getState(), release, calls, emit: (at: number) => emit?.({ type: 'sample', data: sample(at) }), frames };
}

async function storeWithOneSample(at: number) {
  return storeWith({ live: [at] });
}

describe('hardware history on open', () => {
  it('draws the samples the engine kept at once, then the live ones in time order, each once', async () => {
    const t0 = Date.UTC(2026, 11, 5, 16, 0, 0);
    const kept = Array.from({ length: 40 }, (_, i) => t0 + i * 2000);
    // The first live sample is also the newest kept one (the stream and the history overlap), the second is new.
    const { store, release, emit, frames } = await storeWith({ live: [kept[39]!, t0 + 80_000], history: kept });
    try {
      const xs = () => store.useHardware.getState().live.aligned()[0];
      expect(xs()).toEqual([...kept, t0 + 80_000].map((at) => at / 1000));
      expect(store.useHardware.getState().latest?.at).toBe(t0 + 80_000);
      emit(t0 + 82_000);
      for (const frame of frames.splice(0)) frame();
      expect(xs()!.length).toBe(42);
      expect(xs()!.at(-1)).toBe((t0 + 82_000) / 1000);
    } finally {
      release();
    }
  });

  it('asks only for what it does not have when the page opens again', async () => {
    const t0 = Date.UTC(2026, 11, 5, 16, 0, 0);
    const { store, release, calls } = await storeWith({ live: [t0 + 10_000], history: [t0, t0 + 2000] });
    release();
    const again = store.hardwareLiveFeed.acquire();
    try {
      await waitFor(() => expect(calls.filter((c) => c.name === 'hardwareHistory')).toHaveLength(2));
      expect(calls[0]!.params).toEqual({});
      expect(calls[1]!.params).toEqual({ since: t0 + 10_000 });
    } finally {
      again();
    }
  });
});

async function chartFor(live: RingSeries, version: number, windowSec: number | undefined) {
  render(
    <MantineProvider env="test">
      <LiveChart title="Utilisation (%), last 10 minutes" data={live} version={version} series={SERIES} formatValue={pct} yRange={[0, 100]} windowSec={windowSec} height={200} />
    </MantineProvider>,
  );
  await waitFor(() => expect(made.length).toBe(1));
  const plot = made[0]!;
  await waitFor(() => expect(plot.scales.x?.min).not.toBeUndefined());
  return plot;
}

describe('live chart with a single sample', () => {
  it('puts the first hardware sample inside the visible 10-minute window and draws it as a dot', async () => {
    const at = Date.UTC(2026, 11, 5, 16, 0, 0);
    const { state, release } = await storeWithOneSample(at);
    try {
      expect(state.live.length).toBe(1);
      const plot = await chartFor(state.live, state.live.version, 600);
      const x = at / 1000;
      const { min, max } = plot.scales.x!;
      expect(min).not.toBeNull();
      expect(x).toBeGreaterThanOrEqual(min!);
      expect(x).toBeLessThanOrEqual(max!);
      // The window is ten minutes ending just after the sample, not a day ahead of it.
      expect(max! - min!).toBeLessThan(700);
      const px = plot.valToPos(x, 'x');
      expect(px).toBeGreaterThanOrEqual(0);
      expect(px).toBeLessThanOrEqual(plot.width);
      // One dot per series with a value (RAM and CPU), drawn inside the plot.
      await waitFor(() => expect(drawnArcs.length).toBeGreaterThanOrEqual(2));
      const { left, width } = plot.bbox; // canvas pixels, as the dots are drawn
      for (const arc of drawnArcs) expect(arc.x).toBeGreaterThanOrEqual(left);
      for (const arc of drawnArcs) expect(arc.x).toBeLessThanOrEqual(left + width);
    } finally {
      release();
    }
  });

  it('centres a lone sample when the chart has no fixed window', async () => {
    const live = new RingSeries(10, 2 + MAX_GPU_SERIES);
    live.push(1_800_000_000, [50, 20]);
    const plot = await chartFor(live, live.version, undefined);
    const { min, max } = plot.scales.x!;
    expect(1_800_000_000).toBeGreaterThan(min!);
    expect(1_800_000_000).toBeLessThan(max!);
  });
});

describe('liveXRange', () => {
  it('ends a fixed window just after the newest sample, however few there are', () => {
    expect(liveXRange([1000], 600)).toEqual([400, 1009]);
    expect(liveXRange([1000, 1002], 600)).toEqual([402, 1011]);
  });
  it('spans the data without a window, and pads a lone sample on both sides', () => {
    expect(liveXRange([10, 20])).toEqual([10, 20]);
    expect(liveXRange([10])).toEqual([-20, 40]);
    expect(liveXRange([])).toBeNull();
  });
});
