import type { ModelDirectory, ModelEntry } from '../gateway/types.js';

/**
 * The engine's ModelDirectory: id and alias lookup in one map. Built once from
 * the model list; an alias that collides with another model's id or alias is
 * a configuration error, reported with both names.
 */
export class StaticModelDirectory implements ModelDirectory {
  private readonly byName = new Map<string, ModelEntry>();

  constructor(private readonly entries: readonly ModelEntry[]) {
    for (const entry of entries) this.claim(entry.id, entry);
    for (const entry of entries) for (const alias of entry.aliases) this.claim(alias, entry);
  }

  resolve(name: string): ModelEntry | undefined {
    return this.byName.get(name);
  }

  list(): readonly ModelEntry[] {
    return this.entries;
  }

  private claim(name: string, entry: ModelEntry): void {
    const holder = this.byName.get(name);
    if (holder && holder !== entry) {
      throw new Error(`The name "${name}" is used by both "${holder.id}" and "${entry.id}"; give each model a unique id and aliases.`);
    }
    this.byName.set(name, entry);
  }
}
