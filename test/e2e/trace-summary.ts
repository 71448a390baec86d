/**
 * A Chromium trace (Tracing with devtools.timeline and the V8 sampling
 * profiler) read down to what the long tasks on each renderer's main thread
 * were: the trace events inside each task and the JS functions sampled in it.
 * Renderers are named by a user-timing mark `hp-page:<name>` set in each
 * page. Pure: trace events in, a summary out (profile-long-stream.ts writes it).
 */

export interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly tdur?: number;
  readonly id?: string;
  readonly args?: { readonly name?: string; readonly data?: Record<string, unknown> };
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly parent?: number;
}

export interface TaskEventFigure {
  readonly name: string;
  readonly count: number;
  readonly durMs: number;
  readonly threadMs: number;
}

export interface FunctionFigure {
  readonly name: string;
  readonly ms: number;
}

export interface LongTaskSummary {
  /** ms after the first mark of this page. */
  readonly atMs: number;
  readonly durMs: number;
  /** CPU time the thread got during the task; far below durMs means it waited for a core. */
  readonly threadMs: number | null;
  /** Trace events inside the task, by name (nested ones count in their parents too). */
  readonly events: readonly TaskEventFigure[];
  /** The largest single events with their details (function, url). */
  readonly biggest: readonly { readonly name: string; readonly durMs: number; readonly threadMs: number | null; readonly detail: string }[];
  readonly sampledMs: number;
  readonly selfTop: readonly FunctionFigure[];
  readonly inclusiveTop: readonly FunctionFigure[];
}

export interface ProcessCpu {
  readonly pid: number;
  /** Browser, Renderer (with its page), GPU Process… */
  readonly name: string;
  /** Thread CPU time of the tasks traced on all its threads, from the first mark on. */
  readonly cpuMs: number;
  readonly threads: readonly { readonly name: string; readonly cpuMs: number }[];
}

export interface PageSummary {
  readonly page: string;
  readonly pid: number;
  /** Main-thread task time (wall) from the first mark to the end of the trace. */
  readonly busyMs: number;
  /** Main-thread CPU time (thread time) over the same span. */
  readonly cpuMs: number;
  readonly tasks: number;
  /** How many tasks took at least 8, 16 and 50 ms of CPU (thread time). */
  readonly tasksByCpu: { readonly over8Ms: number; readonly over16Ms: number; readonly over50Ms: number };
  /** The task that took the most CPU: its thread time and its wall time. */
  readonly longestCpu: { readonly threadMs: number; readonly durMs: number };
  /** Thread time by kind of work over the whole span (script, style, layout, paint, GC…; nested kinds count in their parents too). */
  readonly work: readonly TaskEventFigure[];
  /** The JS functions sampled over the whole span (self time, and with callees). */
  readonly selfTop: readonly FunctionFigure[];
  readonly inclusiveTop: readonly FunctionFigure[];
  readonly longTasks: readonly LongTaskSummary[];
}

const round = (us: number) => Math.round(us / 100) / 10;

const isTask = (e: TraceEvent) => e.ph === 'X' && typeof e.dur === 'number' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');

/** Tasks not nested in another task (RunTask and ThreadControllerImpl::RunTask wrap the same work). */
function outermost(tasks: readonly TraceEvent[]): TraceEvent[] {
  const sorted = [...tasks].sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const out: TraceEvent[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const t of sorted) {
    if (t.ts + t.dur! <= end) continue;
    out.push(t);
    end = t.ts + t.dur!;
  }
  return out;
}

/**
 * `longTaskMs` picks the tasks summarised by wall time; `longTaskCpuMs`, if given, also picks those whose thread time
 * reaches it (on a busy machine wall time is mostly waiting for a core, and CPU is what the page can cut).
 */
export function summariseTrace(events: readonly TraceEvent[], options: { readonly longTaskMs: number; readonly longTaskCpuMs?: number }): { pages: PageSummary[]; processes: ProcessCpu[] } {
  const mainThreads = new Map<number, number>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') mainThreads.set(e.pid, e.tid);
  const marks = new Map<number, { page: string; ts: number }>();
  for (const e of events) {
    if (!e.name.startsWith('hp-page:') || marks.has(e.pid)) continue;
    marks.set(e.pid, { page: e.name.slice('hp-page:'.length), ts: e.ts });
  }
  const pages: PageSummary[] = [];
  for (const [pid, { page, ts: from }] of marks) {
    const tid = mainThreads.get(pid);
    const onThread = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && typeof e.dur === 'number' && e.ts >= from);
    const tasks = outermost(onThread.filter(isTask));
    const samples = profileSamples(events, pid, tid);
    const cpuLimit = options.longTaskCpuMs === undefined ? Number.POSITIVE_INFINITY : options.longTaskCpuMs * 1000;
    const long = tasks.filter((t) => t.dur! >= options.longTaskMs * 1000 || (t.tdur ?? 0) >= cpuLimit);
    const cpuOver = (ms: number) => tasks.filter((t) => (t.tdur ?? 0) >= ms * 1000).length;
    const heaviest = tasks.reduce<TraceEvent | null>((top, t) => (top === null || (t.tdur ?? 0) > (top.tdur ?? 0) ? t : top), null);
    pages.push({
      page,
      pid,
      busyMs: tasks.reduce((sum, t) => sum + t.dur!, 0) / 1000,
      cpuMs: tasks.reduce((sum, t) => sum + (t.tdur ?? 0), 0) / 1000,
      tasks: tasks.length,
      tasksByCpu: { over8Ms: cpuOver(8), over16Ms: cpuOver(16), over50Ms: cpuOver(50) },
      longestCpu: { threadMs: round(heaviest?.tdur ?? 0), durMs: round(heaviest?.dur ?? 0) },
      work: workByKind(onThread),
      ...sampledFunctions(samples, from, Number.POSITIVE_INFINITY),
      longTasks: long.map((task) => summariseTask(task, onThread, samples, from)),
    });
  }
  return { pages, processes: processCpu(events, marks) };
}

function processCpu(events: readonly TraceEvent[], marks: ReadonlyMap<number, { page: string; ts: number }>): ProcessCpu[] {
  const from = Math.min(...[...marks.values()].map((m) => m.ts));
  const processNames = new Map<number, string>();
  const threadNames = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') processNames.set(e.pid, String(e.args?.name ?? e.pid));
    if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name ?? e.tid));
  }
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (!isTask(e) || e.ts < from) continue;
    const key = `${e.pid}:${e.tid}`;
    const list = byThread.get(key) ?? [];
    list.push(e);
    byThread.set(key, list);
  }
  const byPid = new Map<number, { cpu: number; threads: Map<string, number> }>();
  for (const [key, tasks] of byThread) {
    const pid = Number(key.split(':')[0]);
    const cpu = outermost(tasks).reduce((sum, t) => sum + (t.tdur ?? 0), 0);
    const entry = byPid.get(pid) ?? { cpu: 0, threads: new Map<string, number>() };
    entry.cpu += cpu;
    const name = (threadNames.get(key) ?? key).replace(/\d+$/, '');
    entry.threads.set(name, (entry.threads.get(name) ?? 0) + cpu);
    byPid.set(pid, entry);
  }
  return [...byPid.entries()]
    .map(([pid, { cpu, threads }]) => ({
      pid,
      name: `${processNames.get(pid) ?? pid}${marks.get(pid) ? ` (${marks.get(pid)!.page})` : ''}`,
      cpuMs: round(cpu),
      threads: [...threads.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([name, us]) => ({ name, cpuMs: round(us) })),
    }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

function summariseTask(task: TraceEvent, onThread: readonly TraceEvent[], samples: readonly Sample[], from: number): LongTaskSummary {
  const end = task.ts + task.dur!;
  const inside = onThread.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end && e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask');
  const byName = new Map<string, { count: number; dur: number; tdur: number }>();
  for (const e of inside) {
    const figure = byName.get(e.name) ?? { count: 0, dur: 0, tdur: 0 };
    figure.count += 1;
    figure.dur += e.dur!;
    figure.tdur += e.tdur ?? 0;
    byName.set(e.name, figure);
  }
  const { sampledMs, selfTop, inclusiveTop } = sampledFunctions(samples, task.ts, end);
  return {
    atMs: round(task.ts - from),
    durMs: round(task.dur!),
    threadMs: task.tdur === undefined ? null : round(task.tdur),
    events: [...byName.entries()]
      .sort((a, b) => b[1].dur - a[1].dur)
      .map(([name, f]) => ({ name, count: f.count, durMs: round(f.dur), threadMs: round(f.tdur) })),
    biggest: [...inside]
      .sort((a, b) => b.dur! - a.dur!)
      .slice(0, 8)
      .map((e) => ({ name: e.name, durMs: round(e.dur!), threadMs: e.tdur === undefined ? null : round(e.tdur), detail: detailOf(e) })),
    sampledMs,
    selfTop,
    inclusiveTop,
  };
}

const WORK_KINDS = new Set(['FunctionCall', 'FireAnimationFrame', 'EventDispatch', 'TimerFire', 'RunMicrotasks', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'HitTest', 'MinorGC', 'MajorGC', 'ParseHTML', 'EvaluateScript', 'v8.compile', 'ScheduleStyleRecalculation']);

function workByKind(onThread: readonly TraceEvent[]): TaskEventFigure[] {
  const byName = new Map<string, { count: number; dur: number; tdur: number }>();
  for (const e of onThread) {
    if (!WORK_KINDS.has(e.name)) continue;
    const figure = byName.get(e.name) ?? { count: 0, dur: 0, tdur: 0 };
    figure.count += 1;
    figure.dur += e.dur!;
    figure.tdur += e.tdur ?? 0;
    byName.set(e.name, figure);
  }
  return [...byName.entries()].sort((a, b) => b[1].tdur - a[1].tdur).map(([name, f]) => ({ name, count: f.count, durMs: round(f.dur), threadMs: round(f.tdur) }));
}

function sampledFunctions(samples: readonly Sample[], from: number, to: number): { sampledMs: number; selfTop: FunctionFigure[]; inclusiveTop: FunctionFigure[] } {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let sampled = 0;
  for (const sample of samples) {
    if (sample.ts < from || sample.ts >= to) continue;
    const frames = sample.stack;
    const top = frames[0];
    if (!top || top === '(idle)') continue;
    sampled += sample.weight;
    self.set(top, (self.get(top) ?? 0) + sample.weight);
    for (const frame of new Set(frames)) inclusive.set(frame, (inclusive.get(frame) ?? 0) + sample.weight);
  }
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 40)
      .map(([name, us]) => ({ name, ms: round(us) }));
  return { sampledMs: round(sampled), selfTop: top(self), inclusiveTop: top(inclusive) };
}

function detailOf(e: TraceEvent): string {
  const data = e.args?.data ?? {};
  const parts = ['functionName', 'url', 'lineNumber', 'type', 'id', 'elementCount', 'stackTrace']
    .filter((k) => data[k] !== undefined && data[k] !== '' && k !== 'stackTrace')
    .map((k) => `${k}=${String(data[k]).split('/').pop()}`);
  return parts.join(' ');
}

interface Sample {
  readonly ts: number;
  readonly weight: number;
  /** Innermost first: "fn file:line". */
  readonly stack: readonly string[];
}

/** The V8 CPU profile of one renderer's main thread (a worker has a profile of its own), as timed samples with their stacks. */
function profileSamples(events: readonly TraceEvent[], pid: number, tid: number | undefined): Sample[] {
  const starts = new Map<string, number>();
  for (const e of events) if (e.pid === pid && (tid === undefined || e.tid === tid) && e.name === 'Profile' && e.id) starts.set(e.id, Number((e.args?.data as { startTime?: number } | undefined)?.startTime ?? e.ts));
  const out: Sample[] = [];
  for (const [id, startTime] of starts) {
    const nodes = new Map<number, ProfileNode>();
    let ts = startTime;
    const raw: { ts: number; node: number }[] = [];
    for (const e of events) {
      if (e.pid !== pid || e.name !== 'ProfileChunk' || e.id !== id) continue;
      const data = e.args?.data as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined;
      for (const node of data?.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
      const ids = data?.cpuProfile?.samples ?? [];
      const deltas = data?.timeDeltas ?? [];
      ids.forEach((node, i) => {
        ts += deltas[i] ?? 0;
        raw.push({ ts, node });
      });
    }
    const stackCache = new Map<number, string[]>();
    const stackOf = (nodeId: number): string[] => {
      const cached = stackCache.get(nodeId);
      if (cached) return cached;
      const stack: string[] = [];
      let node = nodes.get(nodeId);
      while (node) {
        const f = node.callFrame;
        if (f.functionName !== '(root)') stack.push(f.url ? `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}` : f.functionName);
        node = node.parent === undefined ? undefined : nodes.get(node.parent);
      }
      stackCache.set(nodeId, stack);
      return stack;
    };
    raw.sort((a, b) => a.ts - b.ts);
    raw.forEach((s, i) => out.push({ ts: s.ts, weight: (raw[i + 1]?.ts ?? s.ts) - s.ts, stack: stackOf(s.node) }));
  }
  return out;
}
