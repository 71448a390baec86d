// @vitest-environment jsdom
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import type { EngineStatus } from '../../preload/contract.js';
import { FitBadge } from '../../renderer/components/FitBadge.js';
import { VirtualTable, type Column } from '../../renderer/components/VirtualTable.js';
import { EndpointCard } from '../../renderer/features/overview/EndpointCard.js';
import { LiveRequestTable } from '../../renderer/features/overview/LiveRequestTable.js';
import { summariseCache, summariseCloud, summariseLocal } from '../../renderer/features/overview/tier-summary.js';
import { modelRows } from '../../renderer/features/models/model-rows.js';
import type { LiveRequestRow } from '../../renderer/stores/status.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

const wrap = (node: ReactNode) => render(<MantineProvider env="test">{node}</MantineProvider>);

interface Row {
  readonly id: string;
  readonly n: number;
}
const columns: Column<Row>[] = [
  { key: 'id', header: 'Id', width: '1fr', render: (r) => r.id },
  { key: 'n', header: 'N', width: '80px', align: 'right', render: (r) => String(r.n) },
];

describe('VirtualTable', () => {
  it('is a labelled table whose rows open with a click or the keyboard', () => {
    const opened: string[] = [];
    wrap(<VirtualTable label="Things" columns={columns} rows={[{ id: 'a', n: 1 }, { id: 'b', n: 2 }]} rowKey={(r) => r.id} onRowClick={(r) => opened.push(r.id)} />);
    const table = screen.getByRole('table', { name: 'Things' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Id', 'N']);
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    fireEvent.click(rows[1]!);
    fireEvent.keyDown(rows[2]!, { key: 'Enter' });
    expect(opened).toEqual(['a', 'b']);
  });

  it('shows the empty state instead of rows', () => {
    wrap(<VirtualTable label="Things" columns={columns} rows={[]} rowKey={(r) => r.id} empty={<span>Nothing here yet</span>} />);
    expect(screen.getByText('Nothing here yet')).toBeTruthy();
  });
});

describe('FitBadge', () => {
  it('names the verdict, the placement and the reason', () => {
    wrap(<FitBadge verdict="partial-gpu" detail="20 of 33 layers" reason="VRAM holds 20 layers" />);
    expect(screen.getByLabelText('Partial GPU · 20 of 33 layers: VRAM holds 20 layers')).toBeTruthy();
  });

  it('marks a fit judged from the file size as rough', () => {
    wrap(<FitBadge verdict="does-not-fit" rough />);
    expect(screen.getByText('≈ Too large')).toBeTruthy();
  });
});

const liveRow = (patch: Partial<LiveRequestRow>): LiveRequestRow => ({
  id: 'r1',
  time: Date.UTC(2026, 0, 1, 12, 0, 0),
  client: 'curl/8',
  model: 'stories260k',
  route: null,
  phase: 'generating',
  tier: 'local',
  target: 'local:stories260k',
  ttftMs: 31,
  tokPerSec: 42.5,
  completionTokens: 12,
  durationMs: 300,
  status: 0,
  cache: null,
  error: null,
  ...patch,
});

describe('LiveRequestTable', () => {
  it('lists requests with phase, tier, tok/s and TTFT', () => {
    wrap(<LiveRequestTable rows={[liveRow({})]} availability={{ state: 'available' }} onRetry={() => undefined} />);
    const table = screen.getByRole('table', { name: 'Live requests' });
    const cells = within(within(table).getAllByRole('row')[1]!).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toContain('generating');
    expect(cells).toContain('local');
    expect(cells).toContain('42.5 tok/s');
    expect(cells).toContain('31 ms');
    expect(screen.getByText('1 in flight')).toBeTruthy();
  });

  it('says the request log is unavailable and offers a retry', () => {
    const onRetry = vi.fn();
    wrap(<LiveRequestTable rows={[]} availability={{ state: 'unavailable', error: { code: 'http_404', message: 'Cannot GET /homeport/v1/requests' } }} onRetry={onRetry} />);
    expect(screen.getByRole('alert').textContent).toContain('Request log unavailable');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
});

const engine = (patch: Partial<EngineStatus>): EngineStatus => ({
  version: '0.1.0',
  startedAt: '2026-01-01T00:00:00.000Z',
  uptimeSec: 5,
  baseUrl: 'http://127.0.0.1:4700/v1',
  runtimes: [],
  models: [],
  inFlight: 0,
  queued: 0,
  ...patch,
});

describe('EndpointCard', () => {
  it('shows the real endpoint and a snippet for a loaded model, per language', () => {
    const status = engine({
      runtimes: [{ id: 'embedded:stories260k', kind: 'embedded', state: 'ready', pid: 1, port: 5, baseUrl: null, restarts: 0, lastError: null, readySince: 1, models: ['stories260k'], load: null }],
    });
    wrap(<EndpointCard status={status} />);
    expect(screen.getAllByText('http://127.0.0.1:4700/v1').length).toBeGreaterThan(0);
    expect(screen.getByText(/base_url="http:\/\/127\.0\.0\.1:4700\/v1"/).textContent).toContain('model="stories260k"');
    fireEvent.click(screen.getByRole('radio', { name: 'curl' }));
    expect(screen.getByText(/curl http:\/\/127\.0\.0\.1:4700\/v1\/chat\/completions/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy endpoint URL' })).toBeTruthy();
  });

  it('says what to do when there is no model', () => {
    wrap(<EndpointCard status={engine({})} />);
    expect(screen.getByText(/add or download one on the Models page/)).toBeTruthy();
  });
});

describe('tier summaries', () => {
  it('computes the cache hit rate from hits and misses', () => {
    expect(summariseCache({ enabled: true, hits: 3, misses: 1, entries: 2, bytes: 2048, byRoute: {} })).toMatchObject({ value: '75%' });
    expect(summariseCache({ enabled: true, hits: 0, misses: 0, entries: 0, bytes: 0, byRoute: {} }).hint).toContain('No lookups yet');
  });

  it('counts runtimes up and says when there are none', () => {
    expect(summariseLocal(engine({})).hint).toContain('add one on the Models page');
    const up = engine({ runtimes: [{ id: 'a', kind: 'embedded', state: 'ready', pid: 1, port: 1, baseUrl: null, restarts: 0, lastError: null, readySince: 1, models: [], load: null }] });
    expect(summariseLocal(up)).toMatchObject({ value: '1 of 1', badge: { text: 'up' } });
  });

  it('reports budget left and missing keys, and privacy mode first', () => {
    const providers = [
      { name: 'openai', tier: 'cloud', apiKey: { secret: 'openai', set: true }, dailyBudgetUsd: 5, spentTodayUsd: 1.25 },
      { name: 'groq', tier: 'cloud', apiKey: { secret: 'groq', set: false }, dailyBudgetUsd: null, spentTodayUsd: 0 },
      { name: 'den-pc', tier: 'network', apiKey: { secret: 'den-pc', set: false }, dailyBudgetUsd: null, spentTodayUsd: 0 },
    ] as never[];
    const summary = summariseCloud(providers, false);
    expect(summary.value).toBe('2 of 3');
    expect(summary.hint).toContain('$3.75 budget left today');
    expect(summary.hint).toContain('key missing: groq');
    expect(summariseCloud(providers, true).value).toBe('Off');
  });
});

describe('model rows', () => {
  it('joins served models with the library and lists library-only files too', () => {
    const rows = modelRows(
      [{ id: 'a', aliases: [], runtime: 'embedded:a', ownedBy: 'homeport-embedded', state: 'loaded', sizeBytes: 10, contextLength: 2048, parallel: 4, port: 1, inFlight: 0, lastUsedAt: null, idleUnloadAt: null, lastError: null }],
      {
        scannedAt: 1,
        hardwareProbedAt: 1,
        models: [
          { id: 'a', displayName: 'A.gguf', metadata: { fileType: 'Q4_0', trainedContext: 4096 } },
          { id: 'b', displayName: 'B.gguf', sizeBytes: 20, metadata: { fileType: 'F16', trainedContext: 8192 } },
        ],
        broken: [],
        skipped: [],
        roots: [],
      } as never,
    );
    expect(rows.map((r) => [r.id, r.name, r.quant, r.served?.state ?? null, r.contextLength])).toEqual([
      ['a', 'A', 'Q4_0', 'loaded', 2048],
      ['b', 'B', 'F16', null, 8192],
    ]);
  });
});
