import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEMO_MODEL_BYTES,
  DEMO_MODEL_FILE,
  DEMO_MODEL_SHA256,
  DemoModelMissingError,
  demoModelCandidates,
  demoModelPath,
  unpackedFromAsar,
} from '../../../main/models/demo/demo-model.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bundled = join(repo, 'main', 'models', 'demo', DEMO_MODEL_FILE);

describe('the bundled demo model', () => {
  it('is in the repository with the sha256 and size its provenance note gives, and its licence beside it', () => {
    const bytes = readFileSync(bundled);
    expect(bytes.length).toBe(DEMO_MODEL_BYTES);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(DEMO_MODEL_SHA256);
    const provenance = readFileSync(join(repo, 'main', 'models', 'demo', 'PROVENANCE.md'), 'utf8');
    expect(provenance).toContain(DEMO_MODEL_SHA256);
    expect(provenance).toContain('MIT');
    expect(readFileSync(join(repo, 'main', 'models', 'demo', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('is found from the sources and from the compiled dist/ module alike', () => {
    expect(demoModelPath()).toBe(bundled);
    const fromDist = pathToFileURL(join(repo, 'dist', 'main', 'models', 'demo', 'demo-model.js')).href;
    // dist/ holds no copy of the .gguf: the lookup must reach the source folder.
    expect(existsSync(join(repo, 'dist', 'main', 'models', 'demo', DEMO_MODEL_FILE))).toBe(false);
    expect(demoModelPath({ moduleUrl: fromDist })).toBe(bundled);
  });

  it('inside a packaged app it is read from app.asar.unpacked, where asarUnpack puts it', () => {
    const inAsar = pathToFileURL(`${sep}opt${sep}Homeport${sep}resources${sep}app.asar${sep}dist${sep}main${sep}models${sep}demo${sep}demo-model.js`).href;
    expect(demoModelCandidates(inAsar)[1]).toBe(`${sep}opt${sep}Homeport${sep}resources${sep}app.asar.unpacked${sep}main${sep}models${sep}demo${sep}${DEMO_MODEL_FILE}`);
    expect(unpackedFromAsar(`${sep}a${sep}app.asar.x${sep}b`)).toBe(`${sep}a${sep}app.asar.x${sep}b`);
  });

  it('electron-builder packs it and keeps it out of the asar archive', () => {
    const builder = readFileSync(join(repo, 'electron-builder.yml'), 'utf8');
    const files = builder.slice(builder.indexOf('files:'), builder.indexOf('asarUnpack:'));
    const unpack = builder.slice(builder.indexOf('asarUnpack:'), builder.indexOf('\nlinux:'));
    expect(files).toContain(`- main/models/demo/${DEMO_MODEL_FILE}`);
    expect(unpack).toContain('- main/models/demo/**');
  });

  it('a missing file is an error naming every place looked at and what to do', () => {
    let error: unknown;
    try {
      demoModelPath({ exists: () => false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoModelMissingError);
    for (const candidate of demoModelCandidates()) expect((error as Error).message).toContain(candidate);
    expect((error as Error).message).toContain('--model PATH.gguf');
  });
});
