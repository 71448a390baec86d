// Builds the two Electron bundles with esbuild (`npm run build:desktop`, after `npm run build:engine`):
//
//   dist/preload/index.cjs  the preload: ONE CommonJS file whose only require is `electron`
//                           (a sandboxed preload can load nothing else), the contract inlined.
//   dist/main/index.js      the Electron entry (package.json "main"): the shell (index.ts, window.ts,
//                           ipc/, desktop/) bundled as ESM; the engine stays in the files
//                           `tsc -p tsconfig.main.json` wrote to dist/main/ and is imported from there,
//                           so paths the engine resolves from its own module URL (the embedded
//                           worker, the demo model) stay right. npm packages stay external.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mainDir = join(root, 'main');
/** Where the bundles go: dist/ (HOMEPORT_DESKTOP_OUT lets the preload test build into a temp folder). */
const out = process.env.HOMEPORT_DESKTOP_OUT ? resolve(process.env.HOMEPORT_DESKTOP_OUT) : join(root, 'dist');

/** Files bundled into the shell; every other file of main/ is the engine, already built by tsc. */
const SHELL = [/^index\.ts$/, /^window\.ts$/, /^tray[^/]*\.ts$/, /^ipc\//, /^desktop\//];
const isShell = (file) => {
  const rel = relative(mainDir, file).split(sep).join('/');
  return SHELL.some((pattern) => pattern.test(rel));
};

/** Imports of engine files from the shell become imports of their tsc output, relative to dist/main/index.js. */
const engineExternal = {
  name: 'engine-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (!target.startsWith(`${mainDir}${sep}`) || isShell(target)) return undefined;
      if (!existsSync(target)) return { errors: [{ text: `${args.path} (from ${args.importer}) does not exist` }] };
      const rel = relative(mainDir, target).split(sep).join('/').replace(/\.ts$/, '.js');
      return { path: `./${rel}`, external: true };
    });
  },
};

await build({
  entryPoints: [join(root, 'preload', 'index.ts')],
  outfile: join(out, 'preload', 'index.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'chrome130',
  external: ['electron'],
  legalComments: 'none',
  logLevel: 'warning',
});

await build({
  entryPoints: [join(mainDir, 'index.ts')],
  outfile: join(out, 'main', 'index.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [engineExternal],
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

console.log(`desktop bundles: ${relative(root, join(out, 'preload', 'index.cjs'))}, ${relative(root, join(out, 'main', 'index.js'))}`);
