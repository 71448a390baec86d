/**
 * Probe reports kept per model and runtime version in one JSON file in the
 * state folder, written atomically (temporary file, then rename). A new
 * probe of the same model on the same runtime version replaces the old one.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { FeatureVerdict, ModelFeatures, ProbeFeature, ProbeReport } from './types.js';

interface FileShape {
  readonly version: 1;
  readonly reports: ProbeReport[];
}

export class ProbeStore {
  private reports: ProbeReport[];
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string, reports: ProbeReport[]) {
    this.reports = reports;
  }

  /** Opens the file; a missing file is an empty store, an unreadable one is named in the error. */
  static open(file: string): ProbeStore {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ProbeStore(file, []);
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<FileShape>;
    if (parsed.version !== 1 || !Array.isArray(parsed.reports)) throw new Error(`${file} is not a probe-report file (version 1)`);
    return new ProbeStore(file, parsed.reports);
  }

  /** Keeps the report (replacing the one for the same model and runtime version) and writes the file. */
  async put(report: ProbeReport): Promise<void> {
    this.reports = [...this.reports.filter((r) => !(r.model === report.model && r.runtimeVersion === report.runtimeVersion)), report];
    const snapshot: FileShape = { version: 1, reports: this.reports };
    const write = async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(snapshot, null, 1)}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
    };
    this.writing = this.writing.then(write, write);
    await this.writing;
  }

  /** The newest report for the model; for `runtimeVersion` only, when given. */
  latest(model: string, runtimeVersion?: string): ProbeReport | undefined {
    let best: ProbeReport | undefined;
    for (const r of this.reports) {
      if (r.model !== model || (runtimeVersion !== undefined && r.runtimeVersion !== runtimeVersion)) continue;
      if (best === undefined || r.at > best.at) best = r;
    }
    return best;
  }

  /** Every report of the model, newest first. */
  history(model: string): ProbeReport[] {
    return this.reports.filter((r) => r.model === model).sort((a, b) => b.at - a.at);
  }
}

/** The model list's summary of a report. */
export function summarize(report: ProbeReport): ModelFeatures {
  const verdicts: Partial<Record<ProbeFeature, FeatureVerdict>> = {};
  for (const f of report.features) verdicts[f.feature] = f.verdict;
  return { probedAt: new Date(report.at).toISOString(), runtimeVersion: report.runtimeVersion, verdicts };
}
