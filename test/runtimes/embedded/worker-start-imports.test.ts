/**
 * The worker listens before it imports node-llama-cpp, and imports its request
 * handlers (zod, grammar, tool calls) while node-llama-cpp tests its native
 * binary in a child process (worker-main.ts). That holds only while the
 * modules loaded before `listen` reach neither: this follows their static
 * imports (type-only imports and dynamic `import()` excepted).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EMBEDDED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../main/runtimes/embedded');

/** Static value imports of one source file: relative ones resolved to .ts paths, packages by name. */
function staticImports(file: string): { files: string[]; packages: string[] } {
  const source = readFileSync(file, 'utf8');
  const files: string[] = [];
  const packages: string[] = [];
  for (const match of source.matchAll(/^import\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)';/gms)) {
    const typeOnly = match[1] !== undefined || /^\{[^}]*\}$/s.test(match[2]!) && match[2]!.slice(1, -1).split(',').every((name) => name.trim() === '' || name.trim().startsWith('type '));
    if (typeOnly) continue;
    const specifier = match[3]!;
    if (specifier.startsWith('.')) files.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
    else packages.push(specifier);
  }
  for (const match of source.matchAll(/^import\s+'([^']+)';/gm)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.')) files.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
    else packages.push(specifier);
  }
  return { files, packages };
}

function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const found = staticImports(file);
    for (const name of found.packages) packages.add(name);
    queue.push(...found.files);
  }
  return { files, packages };
}

describe('embedded worker start-up imports', () => {
  it('reads value imports and skips type-only ones', () => {
    const { packages } = staticClosure(join(EMBEDDED, 'model-host.ts'));
    expect(packages.has('node-llama-cpp')).toBe(true);
    const server = staticImports(join(EMBEDDED, 'route-context.ts'));
    expect(server.files).toEqual([]);
  });

  it('loads neither node-llama-cpp nor zod nor the request handlers before listening', () => {
    const { files, packages } = staticClosure(join(EMBEDDED, 'worker-main.ts'));
    const names = [...files].map((f) => f.slice(EMBEDDED.length + 1));
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    for (const handler of ['chat-completions.ts', 'text-completions.ts', 'embeddings.ts', 'model-host.ts', 'tool-calls.ts', 'json-schema-grammar.ts']) {
      expect(names).not.toContain(handler);
    }
    expect(names).toContain('worker-server.ts');
  });
});
