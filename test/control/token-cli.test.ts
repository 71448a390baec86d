import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureControlToken } from '../../main/control/control-token.js';
import { parseCli, UsageError } from '../../main/cli-args.js';
import { runServe } from '../support/serve-process.js';

describe('homeport panel-url', () => {
  it('parses its options and refuses serve-only ones', () => {
    expect(parseCli(['panel-url', '--data-dir', '/d', '--port', '5000'])).toEqual({ command: 'panel-url', dataDir: '/d', config: undefined, port: 5000 });
    expect(() => parseCli(['panel-url', '--model', 'x.gguf'])).toThrow(UsageError);
  });

  it('reads the data dir\'s token file itself and prints the panel link with the configured port', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'homeport-panel-url-'));
    try {
      const token = await ensureControlToken(dataDir);
      await writeFile(join(dataDir, 'config.json'), JSON.stringify({ port: 5123 }));
      const run = runServe(['panel-url', '--data-dir', dataDir]);
      const { code } = await run.exited;
      expect(code).toBe(0);
      expect(run.stdout().trim()).toBe(`http://127.0.0.1:5123/?token=${token}`);
      expect(run.stderr()).toBe('');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
