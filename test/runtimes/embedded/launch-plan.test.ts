import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { embeddedLaunchPlan, resolveWorkerEntry } from '../../../main/runtimes/embedded/launch-plan.js';

const adapterTs = pathToFileURL(fileURLToPath(new URL('../../../main/runtimes/embedded/launch-plan.ts', import.meta.url))).href;

describe('embedded launch plan', () => {
  it('runs the .ts entry through tsx when the adapter runs from source', () => {
    const entry = resolveWorkerEntry(adapterTs);
    expect(entry.file).toMatch(/main\/runtimes\/embedded\/worker-main\.ts$/);
    expect(existsSync(entry.file)).toBe(true);
    expect(entry.nodeArgs[0]).toBe('--import');
    expect(entry.nodeArgs[1]).toMatch(/^file:\/\/.*\/tsx\/.*\.mjs$/);
  });

  it('runs the compiled .js entry with no loader from dist', () => {
    const entry = resolveWorkerEntry('file:///app/dist/main/runtimes/embedded/launch-plan.js');
    expect(entry).toEqual({ file: '/app/dist/main/runtimes/embedded/worker-main.js', nodeArgs: [] });
  });

  it('builds command, flags, base URL and health path', () => {
    const plan = embeddedLaunchPlan({
      modelPath: '/models/a.gguf',
      modelId: 'a',
      port: 4321,
      parallel: 2,
      ctx: 1024,
      threads: 1,
      queue: 8,
      execPath: '/usr/bin/node',
      adapterUrl: 'file:///app/dist/main/runtimes/embedded/launch-plan.js',
      randomBytes: (size) => Buffer.alloc(size, 0xab),
    });
    expect(plan).toEqual({
      command: '/usr/bin/node',
      args: [
        '/app/dist/main/runtimes/embedded/worker-main.js',
        '--model', '/models/a.gguf', '--port', '4321', '--host', '127.0.0.1',
        '--model-id', 'a', '--parallel', '2', '--ctx', '1024', '--threads', '1', '--queue', '8',
      ],
      env: { ELECTRON_RUN_AS_NODE: '1', HOMEPORT_WORKER_KEY: 'ab'.repeat(32) },
      baseUrl: 'http://127.0.0.1:4321',
      headers: { Authorization: `Bearer ${'ab'.repeat(32)}` },
      healthPath: '/health',
      fatalExitCodes: [65],
      startsNoChildren: true,
    });
  });
});
