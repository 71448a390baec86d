import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

// The renderer is built by Vite from renderer/; Vitest runs the whole test/ tree.
export default defineConfig({
  root: `${here}renderer`,
  base: './',
  plugins: [react()],
  build: { outDir: `${here}dist/renderer`, emptyOutDir: true },
  test: {
    root: here,
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
