/**
 * The demo model shipped inside the project (`stories260K.gguf`, 1.2 MB, MIT,
 * see PROVENANCE.md): what `homeport serve --demo` serves, and what
 * `homeport serve` falls back to when nothing else is configured or found.
 *
 * tsc compiles this file to `dist/main/models/demo/` but does not copy the
 * .gguf, so the file is looked up beside this module (running from source)
 * and then in the source folder as seen from `dist/` (running the build). In
 * the packaged desktop app the model sits outside the asar archive
 * (`asarUnpack` in electron-builder.yml), because a runtime child process
 * memory-maps it and cannot read from inside the archive.
 */
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_MODEL_FILE = 'stories260K.gguf';
/** The id the demo model is served under (the file name in lower case without `.gguf`). */
export const DEMO_MODEL_ID = 'stories260k';
export const DEMO_MODEL_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';
export const DEMO_MODEL_BYTES = 1_185_376;

/** Where the demo model may be, best first, for a module at `moduleUrl`. */
export function demoModelCandidates(moduleUrl: string = import.meta.url): string[] {
  const candidates = [
    // main/models/demo/demo-model.ts → main/models/demo/stories260K.gguf
    fileURLToPath(new URL(`./${DEMO_MODEL_FILE}`, moduleUrl)),
    // dist/main/models/demo/demo-model.js → main/models/demo/stories260K.gguf
    fileURLToPath(new URL(`../../../../main/models/demo/${DEMO_MODEL_FILE}`, moduleUrl)),
  ];
  return candidates.map(unpackedFromAsar);
}

/** A path inside `app.asar` as the same path under `app.asar.unpacked`, where asarUnpack puts the file. */
export function unpackedFromAsar(path: string): string {
  return path.split(sep).map((part) => (part === 'app.asar' ? 'app.asar.unpacked' : part)).join(sep);
}

export class DemoModelMissingError extends Error {
  override readonly name = 'DemoModelMissingError';
}

/** The bundled demo model's path; throws naming every place looked at when it is missing. */
export function demoModelPath(options: { readonly moduleUrl?: string; readonly exists?: (path: string) => boolean } = {}): string {
  const exists = options.exists ?? existsSync;
  const candidates = demoModelCandidates(options.moduleUrl);
  const found = candidates.find((path) => exists(path));
  if (found) return found;
  throw new DemoModelMissingError(`The bundled demo model ${DEMO_MODEL_FILE} is missing (looked in ${candidates.join(' and ')}). Reinstall Homeport, or serve a model of your own with --model PATH.gguf.`);
}

/** The bundled demo model's path, or undefined when this install has none (for callers that only use it when present). */
export function bundledDemoModel(): string | undefined {
  try {
    return demoModelPath();
  } catch {
    return undefined;
  }
}
