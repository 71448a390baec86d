/**
 * The compiled engine probes hardware in a worker thread (hardware/probe.ts,
 * probe-thread.ts): systeminformation's synchronous shell-outs must not stall
 * the thread that serves requests. Checked in a fresh Node process running
 * the build from `npm run build:engine`: after a probe, systeminformation is
 * loaded in the worker's module cache only, never the main thread's — and the
 * snapshot that comes back is this machine's.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const BUILT_PROBE = resolve('dist/main/hardware/probe.js');

function runNode(script: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout)));
  });
}

describe('hardware probe thread', () => {
  it('probes in a worker thread: the main thread never loads systeminformation', async () => {
    expect(existsSync(BUILT_PROBE), `${BUILT_PROBE} is missing: run \`npm run build:engine\` first (npm test does)`).toBe(true);
    const out = await runNode(`
      import { createRequire } from 'node:module';
      const { createHardwareProbe } = await import(${JSON.stringify(pathToFileURL(BUILT_PROBE).href)});
      const snapshot = await createHardwareProbe().snapshot();
      const loadedHere = Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes('systeminformation'));
      console.log(JSON.stringify({ cores: snapshot.cpu.logicalCores, ramBytes: snapshot.memory.totalBytes, loadedHere }));
    `);
    const result = JSON.parse(out.trim()) as { cores: number; ramBytes: number; loadedHere: boolean };
    expect(result.cores).toBeGreaterThan(0);
    expect(result.ramBytes).toBeGreaterThan(0);
    expect(result.loadedHere).toBe(false);
  });
});
