/**
 * Control-API helpers for tests that route requests: replace the routing
 * config (PUT /homeport/v1/routing, applied without a restart) and read one
 * request's record with its trace (GET /homeport/v1/requests/:id).
 */
import { expect } from 'vitest';
import type { RequestRecord } from '../../main/requests/types.js';
import type { TestEngine } from './engine.js';

/** PUT /homeport/v1/routing; fails the test with the answer when it is not a 200. */
export async function putRouting(t: TestEngine, section: Record<string, unknown>): Promise<void> {
  const res = await t.controlFetch('/homeport/v1/routing', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(section) });
  expect(res.status, await res.text()).toBe(200);
}

/** The record of the request whose `x-homeport-request-id` is `id`. */
export async function requestRecord(t: TestEngine, id: string | null): Promise<RequestRecord> {
  expect(id, 'the answer carries x-homeport-request-id').toBeTruthy();
  const res = await t.controlFetch(`/homeport/v1/requests/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RequestRecord;
}
