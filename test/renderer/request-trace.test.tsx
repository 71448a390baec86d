// @vitest-environment jsdom
/**
 * A request's trace: the engine-time line said "routing —, cache —, upstream
 * first byte —" for a request the engine kept no timings for; it is left out
 * then. (That the outcome badge is not cut is a layout matter: the browser
 * test panel-recovery checks it.)
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { RequestRecord } from '../../preload/contract.js';
import { RequestTrace } from '../../renderer/features/routing/RequestTrace.js';
import { installJsdomShims } from './jsdom-shims.js';

beforeAll(installJsdomShims);
afterEach(cleanup);

function record(patch: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'req_1',
    time: Date.parse('2026-01-01T10:00:00Z'),
    client: 'curl/8',
    route: null,
    model: 'stories260k',
    endpoint: 'chat.completions',
    stream: true,
    phase: 'done',
    attempts: [{ target: 'local:stories260k', tier: 'local', outcome: 'answered', status: 200, reason: "the model's own runtime (no route)" }],
    finalTier: 'local',
    finalTarget: 'local:stories260k',
    cache: { result: 'off' },
    ttftMs: 20,
    durationMs: 50,
    promptTokens: 5,
    completionTokens: 8,
    decodeTokPerSec: 190,
    costUsd: 0,
    savedUsd: 0,
    status: 200,
    ...patch,
  } as RequestRecord;
}

const wrap = (r: RequestRecord) => render(<MantineProvider env="test"><RequestTrace record={r} /></MantineProvider>);

describe('RequestTrace engine time', () => {
  it('is left out when the engine kept no timings', () => {
    wrap(record({ timing: {} } as Partial<RequestRecord>));
    expect(screen.queryByText(/Engine time/)).toBeNull();
    expect(screen.getByText(/answered 200/i)).toBeTruthy();
  });

  it('is shown when there are timings', () => {
    wrap(record({ timing: { routingMs: 1.2, cacheMs: 0.4, upstreamMs: 18 } } as Partial<RequestRecord>));
    expect(screen.getByText(/Engine time: routing/)).toBeTruthy();
  });
});
