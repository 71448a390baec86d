/** The config example in the README is what users copy: it must load as written. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/config/store.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

describe('README config example', () => {
  it('parses and validates as written, with the values it shows', () => {
    const section = readFileSync(README, 'utf8').split('## Configuration')[1] ?? '';
    const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(json, 'a ```json block under "## Configuration"').toBeDefined();
    const config = parseConfig(JSON.parse(json!), 'README.md');
    expect(config.port).toBe(4663);
    expect(config.supervisor.liveness).toEqual({ intervalMs: 5000, failures: 3, timeoutMs: 5000 });
  });
});
