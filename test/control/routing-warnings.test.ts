/**
 * GET/PUT /homeport/v1/routing keep a route whose target names no model
 * Homeport serves (it may appear later), and say so in `warnings`; a PUT of
 * the document GET returned (warnings included) is accepted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { routeTargetWarnings } from '../../main/control/route-warnings.js';
import { routingSectionSchema } from '../../main/config/routing-schema.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine();
  await writeFile(join(t.dataDir, 'config.json'), '{}\n');
});

afterAll(async () => {
  await t?.engine.stop();
});

async function putRouting(body: unknown): Promise<{ status: number; body: { warnings?: string[]; routes?: Record<string, unknown> } }> {
  const res = await t.controlFetch('/homeport/v1/routing', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { warnings?: string[] } };
}

describe('routing warnings', () => {
  it('a target with a mistyped local model is saved, and the answer names it', async () => {
    const put = await putRouting({ routes: { chat: { targets: ['local:stories260k', 'local:storis260k'] } } });
    expect(put.status).toBe(200);
    expect(put.body.routes).toHaveProperty('chat');
    expect(put.body.warnings).toEqual([expect.stringMatching(/^Route "chat": target "local:storis260k" names no model Homeport serves now/)]);
    const get = (await (await t.controlFetch('/homeport/v1/routing')).json()) as { warnings: string[] };
    expect(get.warnings).toEqual(put.body.warnings);
    // The document GET returned goes back as it is.
    const again = await putRouting(get);
    expect(again.status).toBe(200);
    expect(again.body.warnings).toHaveLength(1);
  });

  it('no warnings when every target is a served model (a bare name or local:) or a provider target', async () => {
    const put = await putRouting({
      providers: { cloud: { baseUrl: 'https://api.example.com/v1' } },
      routes: { chat: { targets: ['stories260k', 'cloud:gpt-4o-mini'] } },
    });
    expect(put.status).toBe(200);
    expect(put.body.warnings).toEqual([]);
  });

  it('the pure check reads bare names and local: names alike and leaves provider targets alone', () => {
    const config = routingSectionSchema.parse({
      providers: { den: { baseUrl: 'http://den.local:11434/v1', kind: 'self-hosted' } },
      routes: { a: { targets: ['local:x', 'y', 'den:qwen2.5:14b'] }, b: { targets: ['local:known'] } },
    });
    const warnings = routeTargetWarnings(config, (name) => name === 'known');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('target "local:x"');
    expect(warnings[1]).toContain('target "y"');
  });
});
