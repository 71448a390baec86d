import type { ModelDirectory, ModelEntry } from './model-directory.js';

/**
 * The engine's ModelDirectory: id and alias lookup in one map. The whole set
 * is replaced at once when runtimes report new models (a pull in Ollama, say),
 * so a lookup never sees half an update. A name claimed by two models is a
 * configuration error, reported with both ids.
 */
export class ModelRegistry implements ModelDirectory {
  private byName = new Map<string, ModelEntry>();
  private entries: readonly ModelEntry[] = [];

  constructor(entries: readonly ModelEntry[]) {
    this.replace(entries);
  }

  resolve(name: string): ModelEntry | undefined {
    return this.byName.get(name);
  }

  list(): readonly ModelEntry[] {
    return this.entries;
  }

  /** Swap in a new set of models; throws (keeping the old set) if two of them claim one name. */
  replace(entries: readonly ModelEntry[]): void {
    const byName = new Map<string, ModelEntry>();
    const claim = (name: string, entry: ModelEntry) => {
      const holder = byName.get(name);
      if (holder && holder !== entry) {
        throw new Error(`The name "${name}" is used by both "${holder.id}" and "${entry.id}"; give each model a unique id and aliases.`);
      }
      byName.set(name, entry);
    };
    for (const entry of entries) claim(entry.id, entry);
    for (const entry of entries) for (const alias of entry.aliases) claim(alias, entry);
    this.byName = byName;
    this.entries = [...entries];
  }
}
