// ESLint flat config. The one house rule that matters most: the engine never
// imports `electron`, so it runs headless, in tests and in CI without the binary.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronShell = ['main/index.ts', 'main/window.ts', 'main/ipc/**', 'preload/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'renderer/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only the Electron shell (main/index.ts, main/window.ts, main/ipc/, preload/) may import electron; the engine must run headless.' }],
        patterns: [{ group: ['electron/*'], message: 'Only the Electron shell may import electron.' }],
      }],
    },
  },
  {
    files: electronShell,
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
