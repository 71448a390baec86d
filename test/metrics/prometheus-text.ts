/**
 * A small strict parser of Prometheus' text exposition format (0.0.4), for
 * tests: every sample must belong to a family declared by `# TYPE` before it,
 * names and labels must be well-formed, values must be numbers, and a
 * histogram's buckets must be cumulative with `+Inf` equal to `_count`.
 * Throws on the first line that breaks a rule, naming it.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`malformed ${where}`);
        return; // a comment
      }
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name at ${where}`);
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`second HELP for ${name} at ${where}`);
        helps.set(name, rest);
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`unknown type at ${where}`);
      if (families.has(name)) throw new Error(`second TYPE for ${name} at ${where}`);
      families.set(name, { name, type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] });
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample without a TYPE at ${where}`);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  let at = 0;
  while (at < line.length && line[at] !== '{' && line[at] !== ' ') at++;
  const name = line.slice(0, at);
  if (!NAME.test(name)) throw new Error(`bad metric name at ${where}`);
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const eq = line.indexOf('=', at);
      if (eq === -1) throw new Error(`bad label at ${where}`);
      const label = line.slice(at, eq);
      if (!LABEL.test(label)) throw new Error(`bad label name ${JSON.stringify(label)} at ${where}`);
      if (line[eq + 1] !== '"') throw new Error(`label value not quoted at ${where}`);
      let value = '';
      let j = eq + 2;
      for (;;) {
        const c = line[j];
        if (c === undefined) throw new Error(`unterminated label value at ${where}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = line[j + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape at ${where}`);
          j += 2;
          continue;
        }
        value += c;
        j++;
      }
      if (label in labels) throw new Error(`label ${label} twice at ${where}`);
      labels[label] = value;
      at = j + 1;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`expected , or } at ${where}`);
    }
    at++;
  }
  if (line[at] !== ' ') throw new Error(`expected a space before the value at ${where}`);
  const parts = line.slice(at + 1).split(' ');
  if (parts.length > 2 || (parts[1] !== undefined && !/^-?\d+$/.test(parts[1]))) throw new Error(`bad value/timestamp at ${where}`);
  const raw = parts[0]!;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (raw === '' || (Number.isNaN(value) && raw !== 'NaN')) throw new Error(`bad value at ${where}`);
  return { name, labels, value };
}

function checkHistogram(family: Family): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number; sum?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else if (s.name.endsWith('_sum')) entry.sum = s.value;
  }
  for (const [key, s] of series) {
    const inf = s.buckets.find(([le]) => le === Infinity);
    if (!inf) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (s.count === undefined || s.sum === undefined) throw new Error(`${family.name}${key}: _count or _sum missing`);
    if (inf[1] !== s.count) throw new Error(`${family.name}${key}: +Inf bucket ${inf[1]} ≠ count ${s.count}`);
    const sorted = [...s.buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${family.name}${key}: buckets not cumulative`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`; 0 when there is none. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(families, name);
  const matching = (family?.samples ?? []).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} samples`);
  return matching[0]?.value ?? 0;
}
