/**
 * What the panel's long tasks are, by name: the e2e smoothness scenario (a
 * long stream in the Playground while the Routing and Overview pages show
 * the live request tables, three background requests beside it) under a
 * Chromium trace with the V8 sampling profiler, then every main-thread task
 * over 50 ms on each page broken down by what ran in it:
 *
 *   - the trace events inside the task (FunctionCall, FireAnimationFrame,
 *     UpdateLayoutTree, Layout, Paint, GC…) with wall and thread time;
 *   - the JS functions the profiler sampled in it (self time, and time
 *     including callees), with file and line.
 *
 * A task whose thread time (tdur) is far below its wall time (dur) was
 * waiting for a core, not working. A diagnostic, not a test:
 *
 *   npx vite build --minify false --outDir /tmp/panel-unminified     (readable function names)
 *   HOMEPORT_PANEL_DIR=/tmp/panel-unminified npx tsx test/e2e/profile-long-stream.ts [--one-window] [--cpu-ms 8] [--raw] [out.json]
 *
 * --one-window opens the Playground alone (the desktop window); --cpu-ms N
 * also breaks down every task that took N ms of CPU or more, whatever its
 * wall time (on a busy machine wall time is mostly waiting for a core);
 * --raw also writes the whole trace beside out.json (out.trace.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, openPanel, SHOTS_DIR, startPanelEngine } from './harness.js';
import { summariseTrace, type TraceEvent } from './trace-summary.js';

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'v8',
  'blink.user_timing',
  'disabled-by-default-v8.cpu_profiler',
  'disabled-by-default-v8.gc',
];

/** Busy CPU time of the whole machine so far (/proc/stat, all cores), in ms. */
function machineCpuMs(): number {
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return ((total - idle) * 1000) / 100; // USER_HZ = 100
}

/** CPU time (ms) of every process now, by pid, with a short name (who is competing for the cores). */
function processCpu(): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const script = cmd.find((a, i) => i > 0 && /\.(m?js|ts)$/.test(a));
      const type = cmd.find((a) => a.startsWith('--type='));
      const name = `${(cmd[0] ?? '?').split('/').pop()}${script ? ` ${script.split('/').slice(-3).join('/')}` : ''}${type ? ` ${type}` : ''}${pid === process.pid ? ' (this engine + test)' : ''}`;
      out.set(pid, { name, ms });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function cpuSince(before: Map<number, { name: string; ms: number }>): { name: string; ms: number }[] {
  const byName = new Map<string, number>();
  for (const [pid, now] of processCpu()) {
    const used = now.ms - (before.get(pid)?.ms ?? 0);
    if (used > 0) byName.set(now.name, (byName.get(now.name) ?? 0) + used);
  }
  return [...byName.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

async function main() {
  const args = process.argv.slice(2);
  const oneWindow = args.includes('--one-window');
  const cpuFlag = args.indexOf('--cpu-ms');
  const longTaskCpuMs = cpuFlag === -1 ? undefined : Number(args[cpuFlag + 1]);
  const out = args.find((a, i) => !a.startsWith('--') && (cpuFlag === -1 || i !== cpuFlag + 1)) ?? join(SHOTS_DIR, 'long-tasks-profile.json');
  const browser = await launchBrowser();
  const target = await startPanelEngine({ config: { routes: { chat: { targets: ['local:stories-a'] } } } });
  try {
    const playground = await openPanel(browser, target, { hash: '/playground' });
    const others = oneWindow ? [] : [await openPanel(browser, target, { hash: '/routing' }), await openPanel(browser, target, { hash: '/overview' })];
    const page = playground.page;
    await page.getByRole('heading', { name: 'Playground', level: 2 }).waitFor();
    await page.getByRole('combobox', { name: 'Model or route' }).click();
    await page.getByRole('option', { name: target.models[0], exact: true }).click();
    for (const [label, value] of [['Max tokens', '3000'], ['Temperature', '0.9']] as const) {
      const input = page.getByRole('textbox', { name: label, exact: true });
      await input.fill(value);
      await input.blur();
    }
    for (const [i, name] of ['Routing', 'Overview'].entries()) await others[i]?.page.getByRole('heading', { name, level: 2 }).waitFor();
    await page.waitForTimeout(1500);

    // Playwright compiles its injected script in the page on the first waitForFunction: before the trace (it is not the panel's work).
    await page.waitForFunction(() => true);
    await browser.startTracing(undefined, { categories: CATEGORIES });
    // Marks name each renderer process in the trace.
    const mark = (p: Page, name: string) => p.evaluate((n) => performance.mark(`hp-page:${n}`), name);
    await mark(page, 'playground');
    for (const [i, name] of ['routing', 'overview'].entries()) if (others[i]) await mark(others[i].page, name);
    const started = Date.now();
    const engineCpuBefore = process.cpuUsage();
    const machineBefore = machineCpuMs();
    const processesBefore = processCpu();
    await page.getByRole('textbox', { name: 'Message' }).fill('Tell me a very long story about a dragon');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[aria-label="Answer"][data-streaming="true"]').first().waitFor();
    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        fetch(`${target.origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: target.models[1], messages: [{ role: 'user', content: `story ${i}` }], max_tokens: 300, stream: false }),
        }).then((r) => r.text()),
      ),
    );
    await page.waitForFunction(() => document.querySelector('[aria-label="Answer"][data-streaming="true"]') === null, undefined, { polling: 500, timeout: 90_000 });
    await page.waitForTimeout(1000);
    const streamedMs = Date.now() - started;
    const engineCpu = process.cpuUsage(engineCpuBefore);
    const machine = machineCpuMs() - machineBefore;
    const byProcess = cpuSince(processesBefore);
    const rawTrace = (await browser.stopTracing()).toString('utf8');
    // The whole trace too, for chrome://tracing or Perfetto, when asked for.
    if (args.includes('--raw')) await writeFile(out.replace(/\.json$/, '') + '.trace.json', rawTrace);
    const trace = JSON.parse(rawTrace) as { traceEvents: TraceEvent[] };
    const summary = summariseTrace(trace.traceEvents, { longTaskMs: 50, ...(longTaskCpuMs !== undefined ? { longTaskCpuMs } : {}) });
    await writeFile(out, `${JSON.stringify({ streamedMs, machineCpuMs: machine, byProcess, ...summary }, null, 2)}\n`);
    console.log(`machine CPU over the stream: ${Math.round(machine)} ms in ${streamedMs} ms of wall time (${(machine / streamedMs).toFixed(2)} cores busy of ${cpus().length});`);
    console.log(`  this process (engine + test): ${Math.round((engineCpu.user + engineCpu.system) / 1000)} ms`);
    console.log('  by process (all of the machine):');
    for (const p of byProcess.slice(0, 12)) console.log(`    ${Math.round(p.ms)} ms  ${p.name}`);
    for (const p of summary.processes.slice(0, 8)) console.log(`  ${p.name}: ${Math.round(p.cpuMs)} ms (${p.threads.map((t) => `${t.name} ${Math.round(t.cpuMs)}`).join(', ')})`);
    for (const p of summary.pages) {
      console.log(`\n== ${p.page}: ${p.longTasks.length} long tasks; main thread ${Math.round(p.busyMs)} ms in tasks (wall), ${Math.round(p.cpuMs)} ms on a core, in ${streamedMs} ms`);
      console.log(`  ${p.tasks} tasks; by CPU: ${p.tasksByCpu.over8Ms} ≥ 8 ms, ${p.tasksByCpu.over16Ms} ≥ 16 ms, ${p.tasksByCpu.over50Ms} ≥ 50 ms; the heaviest ${p.longestCpu.threadMs} ms CPU (${p.longestCpu.durMs} ms wall)`);
      console.log(`  work: ${p.work.slice(0, 10).map((w) => `${w.name} ${Math.round(w.threadMs)}`).join(', ')}`);
      console.log(`  self: ${p.selfTop.slice(0, 12).map((f) => `${f.name} ${f.ms}`).join(' | ')}`);
      for (const task of [...p.longTasks].sort((a, b) => (b.threadMs ?? 0) - (a.threadMs ?? 0)).slice(0, 20)) {
        console.log(`  task ${task.durMs} ms wall, ${task.threadMs} ms thread (at +${task.atMs} ms): ${task.events.slice(0, 6).map((e) => `${e.name} ${e.durMs}/${e.threadMs}`).join(', ')}`);
        console.log(`    self: ${task.selfTop.slice(0, 8).map((f) => `${f.name} ${f.ms}`).join(' | ')}`);
        console.log(`    incl: ${task.inclusiveTop.slice(0, 10).map((f) => `${f.name} ${f.ms}`).join(' | ')}`);
      }
    }
    console.log(`\nwritten: ${out}`);
    await playground.close();
    for (const other of others) await other.close();
  } finally {
    await browser.close();
    await target.close();
  }
}

await main();
